import assert from "node:assert/strict";
import { startTestS3 } from "../../dev/testing/s3.ts";
import { MinioObjectStore } from "../../shared/object_store/mod.ts";
import { CropUploader } from "./crop_uploader.ts";

Deno.test("crops reach the object store after it comes back; none is lost", async () => {
  const s3 = await startTestS3();
  const port = Number(new URL(s3.endpoint).port);
  await s3.close(); // the store is down when the crops are taken
  const spool = await Deno.makeTempDir();
  const store = new MinioObjectStore({
    endpoint: s3.endpoint,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
  });
  const up = new CropUploader(store, spool);
  const uris = [1, 2, 3].map((i) => `minio://stopline/passes/cam_01/p${i}.jpg`);
  let again;
  try {
    for (const [i, uri] of uris.entries()) {
      await up.add(uri, new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]));
    }
    assert.equal(await up.drain(), false);
    assert.equal(await up.pending(), 3);
    assert.equal(up.pendingCrops, 3, "the retry queue metric counts them");
    assert.ok(up.lastError.length > 0);

    again = await startTestS3(port); // back on the same address
    assert.equal(await up.drain(), true);
    assert.equal(up.pendingCrops, 0);
    for (const [i, uri] of uris.entries()) {
      const got = await store.get(uri);
      assert.ok(got, uri);
      assert.deepEqual([...got.data], [0xff, 0xd8, i, 0xff, 0xd9]);
    }
  } finally {
    await up.close();
    await again?.close();
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("an uploader restarted on a spool resumes its uploads", async () => {
  const s3 = await startTestS3();
  const spool = await Deno.makeTempDir();
  const down = new MinioObjectStore({
    endpoint: "http://127.0.0.1:9",
    accessKey: "a",
    secretKey: "b",
  });
  const first = new CropUploader(down, spool);
  await first.add("minio://stopline/x/a.jpg", new Uint8Array([1, 2, 3]));
  await first.close();
  const store = new MinioObjectStore({
    endpoint: s3.endpoint,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
  });
  const second = new CropUploader(store, spool);
  try {
    assert.equal(await second.drain(), true);
    assert.deepEqual([...(await store.get("minio://stopline/x/a.jpg"))!.data], [1, 2, 3]);
  } finally {
    await second.close();
    await s3.close();
    await Deno.remove(spool, { recursive: true });
  }
});

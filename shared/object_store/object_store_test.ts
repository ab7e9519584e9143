import assert from "node:assert/strict";
import { startTestS3 } from "../../dev/testing/s3.ts";
import { LocalObjectStore, MinioObjectStore, type ObjectStore, objectStoreFromEnv } from "./mod.ts";
import { formatObjectUri, parseObjectUri } from "./uri.ts";

async function _contract(store: ObjectStore) {
  const uri = "minio://stopline/passes/cam_01/2026-11-21/p1.jpg";
  const bytes = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  assert.equal(await store.get(uri), null);
  await store.put(uri, bytes, "image/jpeg");
  const got = await store.get(uri);
  assert.ok(got);
  assert.deepEqual([...got.data], [...bytes]);
  assert.equal(got.contentType, "image/jpeg");
  await store.put(uri, bytes, "image/jpeg"); // idempotent overwrite
  await store.put("minio://stopline/passes/cam_02/x.jpg", bytes, "image/jpeg");
  assert.deepEqual(await store.list("stopline", "passes/cam_01/"), [
    "passes/cam_01/2026-11-21/p1.jpg",
  ]);
  await store.delete(uri);
  await store.delete(uri); // missing is fine
  assert.equal(await store.get(uri), null);
}

Deno.test("object uris are validated: no traversal, no bad buckets", () => {
  assert.deepEqual(parseObjectUri("minio://stopline/a/b.jpg"), {
    bucket: "stopline",
    key: "a/b.jpg",
  });
  assert.equal(formatObjectUri({ bucket: "stopline", key: "a/b.jpg" }), "minio://stopline/a/b.jpg");
  for (
    const bad of [
      "minio://stopline/../etc/passwd",
      "minio://stopline/a/../../x",
      "minio://stopline//abs",
      "minio://Bad_Bucket/x",
      "s3://stopline/x",
      "minio://stopline/a\\b",
    ]
  ) assert.throws(() => parseObjectUri(bad), /object uri|bad (bucket|object key)/, bad);
});

Deno.test("local directory store follows the object store contract", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await _contract(new LocalObjectStore(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MinIO store follows the same contract against a real S3 peer (s3rver)", async () => {
  const s3 = await startTestS3();
  try {
    const store = objectStoreFromEnv((n) =>
      ({
        MINIO_ENDPOINT: s3.endpoint,
        MINIO_ACCESS_KEY: s3.accessKey,
        MINIO_SECRET_KEY: s3.secretKey,
      })[n]
    );
    assert.ok(store instanceof MinioObjectStore);
    await _contract(store);
  } finally {
    await s3.close();
  }
});

Deno.test("MINIO_ENDPOINT without credentials is a clear error", () => {
  assert.throws(
    () => objectStoreFromEnv((n) => (n === "MINIO_ENDPOINT" ? "http://x:9000" : undefined)),
    /MINIO_ACCESS_KEY/,
  );
});

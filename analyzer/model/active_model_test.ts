import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { activeModel, DEFAULT_MODEL, modelPath } from "./active_model.ts";

Deno.test("an uploaded model is fetched once from the object store and checked", async () => {
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(`${dir}/objects`);
  const bytes = new TextEncoder().encode("pretend onnx");
  const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const uri = `minio://stopline/models/${sha}.onnx`;
  await store.put(uri, bytes, "application/octet-stream");
  try {
    const row = { id: "upload-x", source: "upload" as const, uri, sha256: sha };
    const p = await modelPath(row, store, `${dir}/cache`);
    assert.equal(await Deno.readTextFile(p), "pretend onnx");
    await store.delete(uri);
    assert.equal(await modelPath(row, store, `${dir}/cache`), p, "cached: no second fetch");
    await assert.rejects(
      modelPath({ ...row, sha256: "0".repeat(64) }, store, `${dir}/cache`),
      /missing from the object store/,
    );
    await store.put(uri, new TextEncoder().encode("tampered"), "application/octet-stream");
    await assert.rejects(
      modelPath({ ...row, sha256: "a".repeat(64), uri }, store, `${dir}/c2`),
      /sha256 mismatch/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no active row means the built-in default", async () => {
  assert.deepEqual(await activeModel(() => Promise.resolve({ rows: [] })), DEFAULT_MODEL);
  const row = {
    id: "upload-1",
    source: "upload",
    uri: "minio://stopline/models/a.onnx",
    sha256: "b",
  };
  assert.deepEqual(await activeModel(() => Promise.resolve({ rows: [row] })), row);
});

import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { MODEL_CHANNEL } from "../../shared/channels.ts";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { constOutputModel } from "../../analyzer/detector/testing_onnx.ts";
import { createPool } from "../_shared/db.ts";
import { signJwt } from "../_shared/jwt.ts";
import { createModelsApp } from "./index.ts";

const SECRET = "models-test-secret-0123456789abcdef";

/** A tiny valid YOLOv8-layout model (constant output, no weights shipped). */
function _yolo8(n = 8400): Uint8Array {
  return constOutputModel({
    input: [1, 3, 640, 640],
    outputs: { output0: [[1, 84, n], new Float32Array(84 * n)] },
  });
}

Deno.test("models API: list, upload (validated), activate (announced), delete", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(dir);
  const app = createModelsApp({
    pool,
    store,
    bucket: "stopline",
    maxBytes: 8 * 1024 * 1024,
    auth: { secret: SECRET },
  });
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const notes: string[] = [];
  listener.on("notification", (n) => notes.push(n.payload ?? ""));
  await listener.query(`listen ${MODEL_CHANNEL}`);
  const exp = Math.floor(Date.now() / 1000) + 600;
  const auth = {
    authorization: `Bearer ${await signJwt({ sub: "op", role: "operator", exp }, SECRET)}`,
  };
  const viewer = {
    authorization: `Bearer ${await signJwt({ sub: "v", role: "viewer", exp }, SECRET)}`,
  };
  try {
    assert.equal((await app.request("/api/models")).status, 401);
    const list0 = await (await app.request("/api/models", { headers: viewer })).json();
    assert.deepEqual(list0.models.map((m: { id: string }) => m.id).sort(), [
      "mobilenetv3-centernet",
      "nanodet-g",
    ]);
    assert.equal(list0.models.find((m: { active: boolean }) => m.active).id, "nanodet-g");

    // Writes need the token.
    assert.equal(
      (await app.request("/api/models?name=x", { method: "POST", body: "x" })).status,
      401,
    );

    // Bad uploads: each a 4xx with a reason, nothing stored.
    const bad = async (body: BodyInit, q = "?name=m") =>
      await app.request(`/api/models${q}`, { method: "POST", body, headers: auth });
    const notOnnx = await bad("this is not a model");
    assert.equal(notOnnx.status, 422);
    assert.match((await notOnnx.json()).reason, /not an ONNX model/);
    const wrongLayout = await bad(
      constOutputModel({
        input: [1, 3, 64, 64],
        outputs: { out: [[1, 7], new Float32Array(7)] },
      }) as BodyInit,
    );
    assert.equal(wrongLayout.status, 422);
    assert.match((await wrongLayout.json()).reason, /\[1,7\]|1, 7|layout/i);
    assert.equal((await bad(new Uint8Array(9 * 1024 * 1024) as BodyInit)).status, 413);
    assert.equal((await bad(_yolo8() as BodyInit, "")).status, 400, "name is required");
    assert.deepEqual(await store.list("stopline", "models/"), []);

    // A good upload.
    const up = await bad(_yolo8() as BodyInit, "?name=my%20yolov8n");
    assert.equal(up.status, 201);
    const model = await up.json();
    assert.equal(model.kind, "yolov8");
    assert.match(model.id, /^upload-[0-9a-f]{16}$/);
    assert.deepEqual(model.input_shape, [1, 3, 640, 640]);
    assert.ok(await store.get(model.uri));
    assert.equal((await bad(_yolo8() as BodyInit, "?name=again")).status, 409);

    // Activate it: exactly one active, and the analyzer is told.
    const act = await app.request(`/api/models/${model.id}/activate`, {
      method: "POST",
      headers: auth,
    });
    assert.equal(act.status, 200);
    const list1 = await (await app.request("/api/models", { headers: viewer })).json();
    assert.deepEqual(
      list1.models.filter((m: { active: boolean }) => m.active).map((m: { id: string }) => m.id),
      [model.id],
    );
    for (let i = 0; i < 40 && notes.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(notes, [model.id]);
    assert.equal(
      (await app.request("/api/models/nope/activate", { method: "POST", headers: auth })).status,
      404,
    );
    assert.equal(
      (await app.request("/api/models/..%2Fx/activate", { method: "POST", headers: auth })).status,
      400,
    );

    // The active one cannot be deleted; built-ins cannot be deleted; others can.
    assert.equal(
      (await app.request(`/api/models/${model.id}`, { method: "DELETE", headers: auth })).status,
      409,
    );
    await app.request("/api/models/nanodet-g/activate", { method: "POST", headers: auth });
    assert.equal(
      (await app.request("/api/models/mobilenetv3-centernet", { method: "DELETE", headers: auth }))
        .status,
      409,
    );
    assert.equal(
      (await app.request(`/api/models/${model.id}`, { method: "DELETE", headers: auth })).status,
      204,
    );
    assert.equal(await store.get(model.uri), null);
    assert.equal(
      (await app.request(`/api/models/${model.id}`, { method: "DELETE", headers: auth })).status,
      404,
    );
  } finally {
    await listener.end();
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models API: a corpus of corrupt uploads is rejected with a reason and changes nothing", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(dir);
  const app = createModelsApp({
    pool,
    store,
    bucket: "stopline",
    maxBytes: 4 * 1024 * 1024,
    auth: { secret: null },
  });
  const good = _yolo8(2100);
  const random = new Uint8Array(4096);
  crypto.getRandomValues(random);
  const corpus: [string, Uint8Array, number][] = [
    ["empty body", new Uint8Array(), 400],
    ["random bytes", random, 422],
    ["truncated model (first half)", good.subarray(0, good.length >> 1), 422],
    ["truncated model (last half)", good.subarray(good.length >> 1), 422],
    [
      "model with a flipped byte in the header",
      (() => {
        const b = good.slice();
        b[3] ^= 0xff;
        return b;
      })(),
      422,
    ],
    ["a zip file", new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(100)]), 422],
    ["gzip data", new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, ...new Uint8Array(64)]), 422],
    ["JSON text", new TextEncoder().encode('{"model":"yolov8n"}'), 422],
    [
      "a tfjs graph json",
      new TextEncoder().encode('{"format":"graph-model","modelTopology":{}}'),
      422,
    ],
    ["over the size limit", new Uint8Array(5 * 1024 * 1024), 413],
  ];
  try {
    const before = await (await app.request("/api/models")).json();
    for (const [what, body, status] of corpus) {
      const r = await app.request("/api/models?name=bad", {
        method: "POST",
        body: body as BodyInit,
      });
      assert.equal(r.status, status, what);
      const j = await r.json();
      assert.ok(typeof j.error === "string" && j.error.length > 0, `${what}: JSON error`);
      if (status === 422) {
        assert.ok(typeof j.reason === "string" && j.reason.length > 0, `${what}: reason`);
      }
    }
    assert.deepEqual(
      await (await app.request("/api/models")).json(),
      before,
      "no model row changed",
    );
    assert.deepEqual(await store.list("stopline", ""), [], "nothing stored");
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

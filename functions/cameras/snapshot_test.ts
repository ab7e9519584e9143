/**
 * Snapshots: the cache's refresh/stale rules, and real frames from the dev relay's live stream
 * (ffmpeg decoding the relay's init + latest keyframe group to a JPEG).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import jpeg from "jpeg-js";
import { createMediaRelay } from "../media-relay/relay.ts";
import { mediaMtxFrameGrab } from "../_shared/ffmpeg_jpeg.ts";
import { SnapshotCache } from "./snapshot.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/vtest.mp4", import.meta.url));
const JPEG = (n: number) => new Uint8Array([0xff, 0xd8, n]);

Deno.test("snapshot cache: one grab per refresh period, the last frame (true age) on failure", async () => {
  let now = 1_000_000;
  let calls = 0;
  let fail = false;
  const cache = new SnapshotCache({
    refreshMs: 2_000,
    now: () => now,
    log: () => {},
    grab: (camera) => {
      calls++;
      if (camera === "nope") return Promise.resolve("unknown");
      if (fail) return Promise.reject(new Error("ffmpeg produced no frame"));
      return Promise.resolve(JPEG(calls));
    },
  });
  const [a, b] = await Promise.all([cache.get("cam"), cache.get("cam")]);
  assert.equal(calls, 1, "concurrent viewers share one grab");
  assert.equal(a, b);
  now += 1_500;
  assert.equal(await cache.get("cam"), a, "fresh enough: no new grab");
  assert.equal(calls, 1);
  now += 1_000;
  const c = await cache.get("cam");
  assert.equal(calls, 2);
  assert.ok(c !== null && c !== "unknown" && c.capturedAtMs === now);
  fail = true;
  now += 5_000;
  const stale = await cache.get("cam");
  assert.equal(stale, c, "a failed refresh serves the previous frame with its capture time");
  const failedCalls = calls;
  now += 500;
  assert.equal(await cache.get("cam"), c);
  assert.equal(calls, failedCalls, "no new ffmpeg within refreshMs of a failure");
  assert.equal(await cache.get("other"), null, "nothing ever grabbed: null");
  assert.equal(await cache.get("nope"), "unknown");
});

Deno.test("snapshot from MediaMTX only when MEDIA_READ_HOST is set", () => {
  assert.equal(mediaMtxFrameGrab(() => undefined), null);
  const env = (n: string) => ({ MEDIA_READ_HOST: "mediamtx:8554" } as Record<string, string>)[n];
  assert.equal(typeof mediaMtxFrameGrab(env), "function");
});

Deno.test({
  name: "dev relay grabFrame: a real JPEG of the live stream; unknown camera; idle stream starts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
      idleStopMs: 300,
    });
    try {
      assert.equal(await relay.grabFrame("cam_09"), "unknown");
      // Nobody watches: the grab itself starts the stream and takes its first keyframe.
      const first = await relay.grabFrame("cam_01");
      assert.notEqual(first, "unknown");
      const img = jpeg.decode(first as Uint8Array, { useTArray: true });
      assert.deepEqual([img.width, img.height], [768, 576]);
      // While the stream runs: the newest frame of the held keyframe group.
      const unsubscribe = relay.streams.get("cam_01")!.subscribe(() => {});
      await new Promise((r) => setTimeout(r, 1500));
      const second = await relay.grabFrame("cam_01");
      unsubscribe();
      assert.notEqual(second, "unknown");
      assert.equal(jpeg.decode(second as Uint8Array).width, 768);
    } finally {
      await relay.close();
    }
  },
});

Deno.test({
  name: "GET /api/cameras/:id/snapshot.jpg on the functions server with the dev relay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { startTestDatabase } = await import("../../dev/testing/postgres.ts");
    const { startFunctions } = await import("../main.ts");
    const db = await startTestDatabase();
    const dir = await Deno.makeTempDir();
    const configPath = `${dir}/stopline.yaml`;
    await Deno.writeTextFile(
      configPath,
      `cameras:\n  cam_01:\n    source: ${SAMPLE}\n    loop: true\n`,
    );
    const fx = startFunctions({
      databaseUrl: db.url,
      port: 0,
      configPath,
      mediaRelay: true,
      log: () => {},
    });
    try {
      const res = await fetch(`${fx.url}/api/cameras/cam_01/snapshot.jpg`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "image/jpeg");
      assert.equal(res.headers.get("cache-control"), "no-store");
      const age = Number(res.headers.get("x-frame-age-ms"));
      assert.ok(age >= 0 && age < 5_000, `age ${age}`);
      const img = jpeg.decode(new Uint8Array(await res.arrayBuffer()));
      assert.equal(img.width, 768);
      const unknown = await fetch(`${fx.url}/api/cameras/cam_09/snapshot.jpg`);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      const bad = await fetch(`${fx.url}/api/cameras/bad.id/snapshot.jpg`);
      assert.ok([400, 404].includes(bad.status), `bad id: ${bad.status}`);
      await bad.body?.cancel();
    } finally {
      await fx.close();
      await db.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

import assert from "node:assert/strict";
import { encodeTick, NOTIFY_MAX_BYTES, parseTick } from "./tick.ts";
import { makeTick } from "./testing/ticks.ts";

Deno.test("parseTick accepts a contract tick and names the bad field otherwise", () => {
  const t = makeTick("cam_01", 1, 2);
  assert.deepEqual(parseTick(JSON.parse(JSON.stringify(t))), { ok: true, value: t });
  const bad = { ...t, tracks: [{ ...t.tracks[0], bbox: [0.1, 0.2, 1.5, 0.1] }] };
  const r = parseTick(bad);
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /^tracks\.0\.bbox\.2:/);
  assert.equal(parseTick({ ...t, v: 2 }).ok, false);
  assert.equal(parseTick({ ...t, camera: "../etc" }).ok, false);
  assert.equal(parseTick(null).ok, false);
});

Deno.test("encodeTick keeps small ticks whole", () => {
  const t = makeTick("cam_01", 1, 3);
  assert.equal(encodeTick(t), JSON.stringify(t));
});

Deno.test("encodeTick degrades an oversized tick by dropping lowest-confidence tracks", () => {
  const t = makeTick("cam_01", 7, 200);
  const text = encodeTick(t);
  assert.ok(new TextEncoder().encode(text).length <= NOTIFY_MAX_BYTES);
  const out = JSON.parse(text);
  assert.equal(out.truncated, true);
  assert.ok(out.tracks.length > 10 && out.tracks.length < 200);
  const kept = Math.min(...out.tracks.map((x: { conf: number }) => x.conf));
  const droppedMax = Math.max(
    ...t.tracks.filter((x) => !out.tracks.some((o: { id: number }) => o.id === x.id)).map((x) =>
      x.conf
    ),
  );
  assert.ok(kept >= droppedMax, "only the lowest-confidence tracks are dropped");
  assert.equal(parseTick(out).ok, true);
});

Deno.test("encodeTick counts bytes, not characters", () => {
  const t = makeTick("cam_01", 1, 60);
  for (const tr of t.tracks) tr.label = "véhicule€€€€€€€€€";
  const text = encodeTick(t, 2000);
  assert.ok(new TextEncoder().encode(text).length <= 2000);
});

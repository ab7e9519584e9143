import assert from "node:assert/strict";
import { clampOffset, loadOffset, saveOffset } from "./offset_store.ts";

Deno.test("offset: per camera, clamped, survives bad stored values", () => {
  const m = new Map<string, string>();
  const st = {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => m.set(k, v),
  };
  assert.equal(loadOffset("cam_01", st), 0);
  saveOffset("cam_01", 250.4, st);
  saveOffset("cam_02", 99999, st);
  assert.equal(loadOffset("cam_01", st), 250);
  assert.equal(loadOffset("cam_02", st), 3000);
  m.set("stopline.offset.cam_03", "banana");
  assert.equal(loadOffset("cam_03", st), 0);
  assert.equal(clampOffset(-5000), -1000);
});

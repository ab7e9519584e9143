import assert from "node:assert/strict";
import { loadCodec, saveCodec } from "./codec_memory.ts";

function _storage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    m,
  };
}

Deno.test("codec memory: unknown camera is null; a saved codec comes back per camera", () => {
  const s = _storage();
  assert.equal(loadCodec("cam_01", s), null);
  saveCodec("cam_01", "h265", s);
  assert.equal(loadCodec("cam_01", s), "h265");
  assert.equal(loadCodec("cam_02", s), null);
});

Deno.test("codec memory: junk is neither saved nor loaded; broken storage reads as unknown", () => {
  const s = _storage();
  saveCodec("cam_01", "h265; drop", s);
  assert.equal(s.m.size, 0);
  s.m.set("stopline.codec.cam_01", "<script>");
  assert.equal(loadCodec("cam_01", s), null);
  const broken = {
    getItem: () => {
      throw new Error("denied");
    },
  };
  assert.equal(loadCodec("cam_01", broken), null);
});

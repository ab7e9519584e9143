import assert from "node:assert/strict";
import { ApiError } from "./errors.ts";
import { decodeCursor, encodeCursor, pageOf } from "./pagination.ts";

Deno.test("cursors round-trip, are bound to their list, and reject tampering", () => {
  const k = { us: "1795255200123456", id: "cam_01:1795255190000:17" };
  const c = encodeCursor("passes", k);
  assert.match(c, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor("passes", c, "text"), k);
  assert.throws(() => decodeCursor("events", c, "bigint"), /cursor/);
  for (const bad of ["", "!!!", "eyJ4Ijox", c.slice(0, -3), "a".repeat(2000), btoa("[1,2]")]) {
    assert.throws(() => decodeCursor("passes", bad, "text"), ApiError, bad);
  }
  const forged = encodeCursor("events", { us: "1", id: "1; drop table x" });
  assert.throws(() => decodeCursor("events", forged, "bigint"), ApiError);
  const page = pageOf("passes", [1, 2, 3], 2, (n) => ({ us: String(n), id: String(n) }));
  assert.deepEqual(page.items, [1, 2]);
  assert.deepEqual(decodeCursor("passes", page.next_cursor!, "text"), { us: "2", id: "2" });
  assert.equal(pageOf("passes", [1, 2], 2, (n) => ({ us: String(n), id: "x" })).next_cursor, null);
});

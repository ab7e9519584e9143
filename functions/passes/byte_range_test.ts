import assert from "node:assert/strict";
import { ifRangeAllows, parseByteRange } from "./byte_range.ts";

Deno.test("parseByteRange: first-last, open end, suffix, clamped end", () => {
  assert.deepEqual(parseByteRange("bytes=0-99", 1000), { start: 0, end: 99 });
  assert.deepEqual(parseByteRange("bytes=500-", 1000), { start: 500, end: 999 });
  assert.deepEqual(parseByteRange("bytes=-100", 1000), { start: 900, end: 999 });
  assert.deepEqual(parseByteRange("bytes=-5000", 1000), { start: 0, end: 999 });
  assert.deepEqual(parseByteRange("bytes=990-2000", 1000), { start: 990, end: 999 });
  assert.deepEqual(parseByteRange("BYTES = 1 - 1", 1000), { start: 1, end: 1 });
});

Deno.test("parseByteRange: whole body for no header, other units, several ranges, bad syntax", () => {
  assert.equal(parseByteRange(undefined, 1000), "all");
  assert.equal(parseByteRange("items=0-1", 1000), "all");
  assert.equal(parseByteRange("bytes=0-1,5-9", 1000), "all");
  assert.equal(parseByteRange("bytes=9-1", 1000), "all");
  assert.equal(parseByteRange("bytes=-", 1000), "all");
});

Deno.test("parseByteRange: past the end or an empty suffix is unsatisfiable", () => {
  assert.equal(parseByteRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(parseByteRange("bytes=-0", 1000), "unsatisfiable");
  assert.equal(parseByteRange("bytes=0-", 0), "unsatisfiable");
});

Deno.test("ifRangeAllows: only the current strong ETag keeps the range", () => {
  assert.equal(ifRangeAllows(undefined, '"abc"'), true);
  assert.equal(ifRangeAllows('"abc"', '"abc"'), true);
  assert.equal(ifRangeAllows('"old"', '"abc"'), false);
  assert.equal(ifRangeAllows('W/"abc"', '"abc"'), false);
  assert.equal(ifRangeAllows("Sat, 28 Nov 2026 10:00:00 GMT", '"abc"'), false);
});

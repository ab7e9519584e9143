import assert from "node:assert/strict";
import { csvField, csvLine, parseCsv } from "./csv.ts";

Deno.test("csv: RFC 4180 quoting and CRLF records", () => {
  assert.equal(csvField(null), "");
  assert.equal(csvField(undefined), "");
  assert.equal(csvField(0.25), "0.25");
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField("cr\r"), '"cr\r"');
  assert.equal(csvLine(["x", 1, null, 'q"']), 'x,1,,"q"""\r\n');
});

Deno.test("csv: what csvLine writes parses back to the same fields", () => {
  const records = [["id", "note"], ["a:1:2", 'wrong, "really"\r\nsecond line'], ["", "é"]];
  const text = records.map(csvLine).join("");
  assert.deepEqual(parseCsv(text), records);
});

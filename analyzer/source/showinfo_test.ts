import assert from "node:assert/strict";
import { parseShowinfoLine } from "./showinfo.ts";

Deno.test("parses a showinfo frame line (ffmpeg 5.1 layout)", () => {
  const line =
    "[Parsed_showinfo_0 @ 0x557b3ccb16c0] n:  12 pts:  12288 pts_time:1.2     pos:     4379 fmt:yuv420p sar:0/1 s:768x576 i:P iskey:1 type:I checksum:9CC7EF13";
  assert.deepEqual(parseShowinfoLine(line), {
    kind: "frame",
    frame: { n: 12, pts: 12288, width: 768, height: 576, keyframe: true },
  });
});

Deno.test("parses the time base and ignores other lines", () => {
  assert.deepEqual(
    parseShowinfoLine("[Parsed_showinfo_0 @ 0x1] config in time_base: 1/90000, frame_rate: 15/1"),
    { kind: "timebase", num: 1, den: 90000 },
  );
  assert.equal(
    parseShowinfoLine("[Parsed_showinfo_0 @ 0x1] config out time_base: 0/0").kind,
    "other",
  );
  assert.equal(parseShowinfoLine("Stream #0:0: Video: h264").kind, "other");
});

Deno.test("parses an ffmpeg 4.1 line without iskey and a negative pts", () => {
  const line =
    "[Parsed_showinfo_0 @ 0x4a] n:   0 pts:  -1024 pts_time:-0.1 pos: 48 fmt:yuv420p sar:1/1 s:1280x720 i:P iskey:0 type:P checksum:0";
  const r = parseShowinfoLine(line);
  assert.equal(r.kind, "frame");
  if (r.kind === "frame") {
    assert.equal(r.frame.pts, -1024);
    assert.equal(r.frame.width, 1280);
  }
});

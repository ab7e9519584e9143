import assert from "node:assert/strict";
import { redactConfigText, redactValue, restoreRedacted } from "./redact.ts";

Deno.test("redactValue: URL passwords and secret parameters hidden, ${ENV} references kept", () => {
  const cases: [string, string][] = [
    ["rtsp://admin:pw@10.0.0.5:554/s", "rtsp://***@10.0.0.5:554/s"],
    ["rtsp://token@host/s", "rtsp://***@host/s"],
    ["rtsp://u:p@ss w@rd@host/s", "rtsp://***@host/s"], // userinfo runs to the last @
    ["rtsp://u:${PW}@host/s", "rtsp://u:${PW}@host/s"],
    ["rtsp://${USER}:${PW}@host/s", "rtsp://${USER}:${PW}@host/s"],
    ["rtsp://u:x${PW}@host/s", "rtsp://***@host/s"],
    ["https://h/live?token=abc&x=1", "https://h/live?token=***&x=1"],
    ["https://h/live?x=1&password=${P}", "https://h/live?x=1&password=${P}"],
    ["samples/vtest.mp4", "samples/vtest.mp4"],
    ["rtsp://host/a@b", "rtsp://host/a@b"], // an @ in the path is not userinfo
  ];
  for (const [input, want] of cases) assert.equal(redactValue(input), want, input);
});

Deno.test("redactConfigText: values (any style), aliases and comments; layout kept", () => {
  const text = `# old camera: rtsp://root:oldpw@10.0.0.1/x
cameras:
  a:
    source: &src 'rtsp://u:p1@h1/s'   # quoted
  b:
    source: *src
  c:
    source: |
      rtsp://u:p3@h3/s
`;
  const out = redactConfigText(text);
  assert.doesNotMatch(out, /oldpw|p1@|p3@/);
  assert.match(out, /# old camera: rtsp:\/\/\*\*\*@10\.0\.0\.1\/x/);
  assert.match(out, /source: \*src/);
  // Broken YAML is still redacted as text.
  assert.equal(redactConfigText("a: [rtsp://u:p@h"), "a: [rtsp://***@h");
});

Deno.test("restoreRedacted: same path, renamed camera, ambiguity and unknown values", () => {
  const stored = `cameras:
  a:
    source: rtsp://u:p1@h1/s
  b:
    source: rtsp://u:p2@h2/s
  c:
    source: rtsp://u:p3@same/s
  d:
    source: rtsp://u:p4@same/s
`;
  const shown = redactConfigText(stored);
  // Unchanged round trip: byte for byte the stored file.
  assert.deepEqual(restoreRedacted(shown, stored), { text: stored, unresolved: [] });
  // Camera a renamed to z: its value is found by its redacted form.
  const renamed = restoreRedacted(shown.replace("  a:", "  z:"), stored);
  assert.ok(renamed.text.includes("z:\n    source: rtsp://u:p1@h1/s"), renamed.text);
  // c and d redact alike: only the same path can tell them apart.
  const swapped = restoreRedacted(shown.replace("  c:", "  e:"), stored);
  assert.deepEqual(swapped.unresolved, ["cameras.e.source"]);
  // Moved into a flow map, a plain stored form with a comma would not read back: quoted instead.
  const commaStored = "cameras:\n  a:\n    source: rtsp://u:p1@h1/a,b\n";
  const flow = restoreRedacted(`cameras: { a: { source: "rtsp://***@h1/a,b" } }`, commaStored);
  assert.equal(flow.text, `cameras: { a: { source: "rtsp://u:p1@h1/a,b" } }`);
  assert.deepEqual(restoreRedacted("cameras: [", stored), { text: "cameras: [", unresolved: [] });
});

import assert from "node:assert/strict";
import type { Config } from "../shared/config.ts";
import { watchConfig } from "./config_watch.ts";

const _yaml = (fps: number) =>
  `cameras:\n  cam_01:\n    source: samples/a.mp4\n    detect: { fps: ${fps} }\n`;

async function _until(pred: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return pred();
}

Deno.test("config edits on disk reload; an invalid edit is rejected and the old config stays", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, _yaml(10));
  const seen: Config[] = [];
  const logs: string[] = [];
  const w = watchConfig({
    path,
    env: () => undefined,
    onConfig: (c) => seen.push(c),
    log: (m) => logs.push(m),
    debounceMs: 20,
  });
  try {
    await new Promise((r) => setTimeout(r, 100));
    // Written the way the config function writes: temp file + rename.
    await Deno.writeTextFile(`${path}.tmp`, _yaml(5));
    await Deno.rename(`${path}.tmp`, path);
    assert.ok(await _until(() => seen.length === 1), logs.join("\n"));
    assert.equal(seen[0].cameras.cam_01.detect.fps, 5);

    await Deno.writeTextFile(path, _yaml(-1));
    assert.ok(await _until(() => logs.some((l) => l.startsWith("config rejected"))));
    assert.match(
      logs.find((l) => l.startsWith("config rejected"))!,
      /cameras\.cam_01\.detect\.fps/,
    );
    assert.equal(seen.length, 1, "the bad config never reaches the analyzer");
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reload referencing a server secret or a non-camera source is refused; the old config stays", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, _yaml(10));
  const env: Record<string, string> = {
    STOPLINE_JWT_SECRET: "jwt-secret-value-0123456789abcdef",
    STOPLINE_CAM_TOKEN: "cam-token-value-42",
  };
  const seen: Config[] = [];
  const logs: string[] = [];
  const w = watchConfig({
    path,
    env: (n) => env[n],
    onConfig: (c) => seen.push(c),
    log: (m) => logs.push(m),
    debounceMs: 20,
  });
  const rejected = async (text: string, field: RegExp) => {
    const before = logs.length;
    await Deno.writeTextFile(path, text);
    assert.ok(await _until(() => logs.slice(before).some((l) => l.startsWith("config rejected"))));
    const line = logs.slice(before).find((l) => l.startsWith("config rejected"))!;
    assert.match(line, field);
    assert.doesNotMatch(line, /jwt-secret-value|cam-token-value/);
  };
  try {
    await new Promise((r) => setTimeout(r, 100));
    await rejected(
      "cameras:\n  cam_01:\n    source: http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}\n",
      /cameras\.cam_01\.source: \$\{STOPLINE_JWT_SECRET\} may not be referenced/,
    );
    for (const source of ["/etc/passwd", "file:///proc/self/environ", "concat:a.mp4|b.mp4"]) {
      await rejected(`cameras:\n  cam_01:\n    source: ${source}\n`, /cameras\.cam_01\.source/);
    }
    assert.equal(seen.length, 0, "no refused config reaches the analyzer");
    // A declared camera secret is substituted (and then never shown in a log line).
    await Deno.writeTextFile(
      path,
      "cameras:\n  cam_01:\n    source: http://127.0.0.1:9/x/${STOPLINE_CAM_TOKEN}\n",
    );
    assert.ok(await _until(() => seen.length === 1), logs.join("\n"));
    assert.equal(seen[0].cameras.cam_01.source, "http://127.0.0.1:9/x/cam-token-value-42");
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import type { Config } from "../shared/config.ts";
import { watchConfig } from "./config_watch.ts";

const _yaml = (fps: number) =>
  `cameras:\n  cam_01:\n    source: a.mp4\n    detect: { fps: ${fps} }\n`;

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

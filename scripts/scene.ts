/**
 * Render a synthetic scene (dev/testing/scenes/) to an mp4 and its ground truth.
 *
 * CLI:
 *   deno run -A scripts/scene.ts --list
 *   deno run -A scripts/scene.ts <scene name | spec.json> <out.mp4> [--preset slow] [--ffmpeg PATH]
 *   deno run -A scripts/scene.ts <scene name | spec.json> --truth            (truth JSON to stdout)
 * The truth is written beside the video: `x.mp4` -> `x.truth.json`.
 */
import {
  formatTruth,
  groundTruth,
  renderScene,
  SCENES,
  type SceneSpec,
} from "../dev/testing/scenes/mod.ts";

async function _main(args: string[]) {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  if (args.includes("--list")) {
    for (const s of Object.values(SCENES)) {
      console.log(`${s.name.padEnd(18)} ${s.duration}s  ${s.description ?? ""}`);
    }
    return;
  }
  const truthOnly = args.includes("--truth");
  args = args.filter((a) => a !== "--truth");
  const preset = flag("--preset");
  const ffmpeg = flag("--ffmpeg");
  const [which, out] = args;
  if (!which || (!out && !truthOnly)) {
    console.error(
      "usage: scene.ts --list | <scene|spec.json> <out.mp4> [--preset P] [--ffmpeg BIN] | <scene|spec.json> --truth",
    );
    Deno.exit(2);
  }
  const spec: SceneSpec | undefined = which.endsWith(".json")
    ? JSON.parse(await Deno.readTextFile(which))
    : Object.values(SCENES).find((s) => s.name === which);
  if (!spec) {
    console.error(`unknown scene ${which}; try --list`);
    Deno.exit(2);
  }
  if (truthOnly) {
    console.log(formatTruth(groundTruth(spec)));
    return;
  }
  const t0 = performance.now();
  const r = await renderScene(spec, out, { preset, ffmpeg });
  console.log(
    `${r.video}: ${r.frames} frames, ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s; truth ${r.truthPath}`,
  );
}

if (import.meta.main) {
  try {
    await _main([...Deno.args]);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}

/**
 * The annotated stream end to end (issue #14 §6): a live pipeline on a rendered scene with
 * `annotated: true` publishes a stream ffmpeg reads back, whose frames carry the box at the
 * vehicle's position; killing the annotate ffmpeg does not stop the ticks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { validateConfig } from "../../shared/config.ts";
import type { Detection } from "../detector/detection.ts";
import { CameraPipeline } from "../pipeline/camera_pipeline.ts";
import type { FrameDetector, RgbFrame } from "../pipeline/serial_detector.ts";
import type { PipelineSink } from "../pipeline/sink.ts";

const W = 320;
const H = 240;
/** The "vehicle": a blue block on a grey road, where the scene renders it. */
const CAR = { x: 100, y: 80, w: 80, h: 50 };

/** Finds the blue block in the frame's pixels (a real detection of what the frame shows). */
class BlueBlockDetector implements FrameDetector {
  detect(
    frame: RgbFrame,
  ): Promise<{ detections: Detection[]; inferMs: number; buffer: ArrayBuffer }> {
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    const d = frame.data;
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const i = (y * frame.width + x) * 3;
        if (d[i + 2] > 180 && d[i] < 80 && d[i + 1] < 80) {
          if (x < x0) x0 = x;
          if (y < y0) y0 = y;
          if (x > x1) x1 = x;
          if (y > y1) y1 = y;
        }
      }
    }
    const detections: Detection[] = x1 < 0
      ? []
      : [{ label: "car", conf: 0.9, box: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] }];
    return Promise.resolve({ detections, inferMs: 1, buffer: d.buffer as ArrayBuffer });
  }
}

async function _renderScene(dir: string): Promise<string> {
  const out = join(dir, "scene.mp4");
  const cmd = new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-y"],
      ...["-f", "lavfi", "-i", `color=c=0x808080:s=${W}x${H}:r=10:d=3`],
      "-vf",
      `drawbox=x=${CAR.x}:y=${CAR.y}:w=${CAR.w}:h=${CAR.h}:color=0x0000FF:t=fill`,
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", out],
    ],
  });
  const r = await cmd.output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return out;
}

/** The last decoded frame of a published MPEG-TS file, as RGB24. */
async function _lastFrame(path: string): Promise<Uint8Array> {
  const probe = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_name,width,height",
      "-of",
      "csv=p=0",
      path,
    ],
  }).output();
  assert.ok(probe.success, new TextDecoder().decode(probe.stderr));
  // MPEG-TS lists the stream under its program too: the first line is the stream.
  assert.equal(new TextDecoder().decode(probe.stdout).trim().split("\n")[0], `h264,${W},${H}`);
  const r = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  const frameBytes = W * H * 3;
  assert.ok(r.stdout.length >= frameBytes, "no frame read back");
  const last = Math.floor(r.stdout.length / frameBytes) - 1;
  return r.stdout.slice(last * frameBytes, (last + 1) * frameBytes);
}

function _rgb(frame: Uint8Array, x: number, y: number): [number, number, number] {
  const i = (y * W + x) * 3;
  return [frame[i], frame[i + 1], frame[i + 2]];
}

async function _until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("annotated stream: a live pipeline burns the vehicle's box into a readable stream; killing its ffmpeg does not stop ticks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "annotated_" });
  try {
    const video = await _renderScene(dir);
    const target = join(dir, "cam_a_annotated.ts");
    const cfg = validateConfig({
      cameras: {
        cam_a: {
          source: video,
          loop: true,
          annotated: true,
          detect: { fps: 10, min_conf: 0.3 },
          classes: ["car"],
        },
      },
    }).cameras.cam_a;
    const ticks: string[] = [];
    const sink: PipelineSink = {
      tick: (_c, text) => void ticks.push(text),
      trackEvent: () => {},
      samples: () => {},
      pass: () => Promise.resolve(),
    };
    const targets: string[] = [];
    const pipeline = new CameraPipeline(
      "cam_a",
      cfg,
      { source: video, loop: true, realtime: true },
      {
        detector: new BlueBlockDetector(),
        sink,
        live: true,
        annotatedTarget: (camera) => {
          targets.push(camera);
          return target;
        },
        log: () => {},
      },
    );
    const running = pipeline.start();
    try {
      assert.deepEqual(targets, ["cam_a"]);
      const stream = pipeline.annotated!;
      await _until(() => stream.stats.sent >= 25, 20_000, "25 annotated frames");
      // A confirmed track is in the ticks, so its box is drawn in the frames sent since.
      assert.ok(ticks.some((t) => /"id":[1-9]/.test(t)), "no confirmed track in the ticks");
      // Each tick carries its frame's stream time (media_ms, what a player matches the frame
      // on screen by), increasing from tick to tick.
      const media = ticks.slice(0, 10).map((t) => JSON.parse(t).media_ms as number);
      assert.ok(media.every(Number.isFinite), `media_ms: ${media}`);
      for (let i = 1; i < media.length; i++) {
        assert.ok(media[i] > media[i - 1], `media_ms not increasing: ${media}`);
      }

      // Kill the annotate ffmpeg: the ticks go on, and the stream comes back.
      const pid = stream.pid!;
      const ticksBefore = ticks.length;
      Deno.kill(pid, "SIGKILL");
      await _until(() => stream.pid !== pid && stream.pid !== undefined, 10_000, "restart");
      await _until(() => ticks.length >= ticksBefore + 10, 10_000, "ticks after the kill");
      assert.equal(stream.stats.starts, 2);
      await _until(() => stream.stats.sent >= 50, 20_000, "annotated frames after restart");
    } finally {
      await pipeline.stop();
      await running;
    }

    const frame = _lastFrame(target);
    const last = await frame;
    // The box (white: not in a zone) is drawn inside the vehicle's edge: its left and top edges.
    const isWhite = ([r, g, b]: number[]) => r > 200 && g > 200 && b > 200;
    const midY = CAR.y + Math.round(CAR.h / 2);
    const midX = CAR.x + Math.round(CAR.w / 2);
    assert.ok(isWhite(_rgb(last, CAR.x + 1, midY)), `left edge ${_rgb(last, CAR.x + 1, midY)}`);
    assert.ok(
      isWhite(_rgb(last, midX, CAR.y + CAR.h - 2)),
      `bottom edge ${_rgb(last, midX, CAR.y + CAR.h - 2)}`,
    );
    // Inside the box the vehicle is untouched (blue), and the road far from it is grey.
    const inside = _rgb(last, midX, midY);
    assert.ok(inside[2] > 180 && inside[0] < 80, `inside ${inside}`);
    const road = _rgb(last, 300, 220);
    assert.ok(Math.abs(road[0] - 128) < 20 && Math.abs(road[2] - 128) < 20, `road ${road}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A live camera whose frames carry the time they were made: this process draws each frame
 * (a moving bar, and the time stamp stripe of bench/time_stripe.ts with `Date.now()` at that
 * moment) and pipes it raw into ffmpeg, which encodes it like a camera would (libx264
 * ultrafast, zerolatency, no B-frames, a keyframe every half second) and either serves it as
 * MPEG-TS on a loopback TCP port (one reader: the relay's ffmpeg) or writes live HLS.
 */
import { join } from "node:path";
import { drawStamp } from "./time_stripe.ts";

export interface ClockSourceOptions {
  /** `{ tcpPort }`: MPEG-TS served at tcp://127.0.0.1:<port>; `{ hlsDir }`: HLS in <dir>/<camera>/. */
  output: { tcpPort: number } | { hlsDir: string; camera: string };
  fps?: number;
  width?: number;
  height?: number;
}

export interface ClockSource {
  /** The source URL for the relay (TCP output only). */
  url: string | null;
  /** Frames written so far. */
  frames(): number;
  stop(): Promise<void>;
}

export async function startClockSource(opts: ClockSourceOptions): Promise<ClockSource> {
  const fps = opts.fps ?? 30;
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const encode = [
    ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0"],
    ...["-g", String(Math.round(fps / 2)), "-pix_fmt", "yuv420p", "-profile:v", "baseline"],
  ];
  let out: string[];
  let url: string | null = null;
  if ("tcpPort" in opts.output) {
    url = `tcp://127.0.0.1:${opts.output.tcpPort}`;
    out = ["-f", "mpegts", "-flush_packets", "1", "-muxdelay", "0", `${url}?listen=1`];
  } else {
    const dir = join(opts.output.hlsDir, opts.output.camera);
    await Deno.mkdir(dir, { recursive: true });
    out = [
      ...["-f", "hls", "-hls_time", "0.5", "-hls_list_size", "6"],
      ...["-hls_flags", "delete_segments+program_date_time+independent_segments"],
      join(dir, "index.m3u8"),
    ];
  }
  const child = new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray"],
      ...["-s", `${width}x${height}`, "-framerate", String(fps), "-i", "pipe:0"],
      ...encode,
      ...out,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  let stopped = false;
  let frames = 0;
  const frameMs = 1000 / fps;
  const loop = (async () => {
    const frame = new Uint8Array(width * height);
    let next = performance.now();
    while (!stopped) {
      frame.fill(60);
      // A moving bar below the stripe, so the encoder sees motion like a real scene.
      const barX = Math.floor((frames * 4) % width);
      for (let y = height / 2; y < height / 2 + 40; y++) {
        frame.fill(200, y * width + barX, y * width + Math.min(width, barX + 24));
      }
      drawStamp(frame, width, Date.now());
      try {
        await writer.write(frame);
      } catch {
        return; // ffmpeg exited (its reader left, or stop())
      }
      frames++;
      next += frameMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Blocked for long before the first second went out (no reader yet): start the cadence
      // over instead of bursting. Later, a delayed loop (load) catches up by bursting: the
      // frames' timestamps count frames, and must keep pace with the wall clock as a camera's
      // do (a reset would put them behind it, and the analyzer's and the browser's arrival
      // anchors would then disagree by the lost time: -343 ms seen at load 15).
      else if (wait < -500 && frames <= fps) next = performance.now();
    }
  })();
  return {
    url,
    frames: () => frames,
    async stop() {
      stopped = true;
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await writer.close().catch(() => {});
      await loop;
      await child.status;
    },
  };
}

/**
 * The dev / embedded recorder: one ffmpeg per camera copies the camera's stream (no transcoding,
 * `-c copy`) into short fMP4 segment files on disk, a rolling window of `record.retain_minutes`.
 * Clips are cut from these files by capture time.
 *
 * Capture time of a segment: ffmpeg's segment muxer tells each finished segment's start and end
 * (stream seconds) on stdout the moment it closes it, which is when the keyframe that ends it
 * arrives. As in the analyzer's CaptureClock, the stream's wall-clock anchor is the minimum over
 * segments of (arrival − end), so a join's burst of older frames does not shift it. Each ffmpeg
 * run has its own anchor; segments are indexed in `index.jsonl` per camera, so a restarted
 * analyzer still cuts clips from what was recorded before.
 *
 * The media relay's stream (`sharedTimeline`, dev): read with `-copyts`, so segment times are the
 * relay's stream time, the PTS the pipeline's decoder sees too; each segment's anchor is then the
 * camera's shared StreamClock (both readers' observations) as it closed, and clips and samples
 * share one timeline.
 */
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { redactSecrets } from "../../shared/redact.ts";
import type { SourceSpec } from "../source/ffmpeg_args.ts";
import { isNetworkSource } from "../source/ffmpeg_args.ts";
import { type StreamClock, streamClock } from "../source/stream_clock.ts";
import { spawnBoundToAnalyzer } from "./bound_to_analyzer.ts";
import { type CutResult, mp4Facts, type Recording, runFfmpeg } from "./clip_recording.ts";

export interface RecordedCamera {
  spec: SourceSpec;
  retainMinutes: number;
}

export interface SegmentRecorderOptions {
  /** Root directory; each camera records into `<dir>/<camera>/`. */
  dir: string;
  /** Target segment length; segments end at keyframes, so they are at least one GOP long. */
  segmentS?: number;
  /** How long after a window's end a recording that stopped short is cut as far as it goes. */
  maxLagMs?: number;
  log?: (m: string) => void;
  now?: () => number;
  /** The capture clock a shared-timeline camera's stream shares with its decoder. */
  clock?: (camera: string) => StreamClock;
}

/** One finished segment as ffmpeg reported it (stream seconds of its run) and when. */
export interface SegmentEntry {
  file: string;
  run: string;
  start_s: number;
  end_s: number;
  seen_ms: number;
  /**
   * Written when ffmpeg stopped, not when a keyframe closed it: its end is the last packet's
   * end, not an arrival, so it does not count for the anchor.
   */
  flushed?: boolean;
  /**
   * Shared timeline: the camera clock's anchor when this segment closed, and its epoch. A
   * segment's anchor is the lower of that and the clock's current one in the same epoch: a
   * transient high (a reader's late first frames) is healed by the minimum, never baked in.
   */
  anchor_ms?: number;
  epoch?: number;
}

const CAMERA_RE = /^[A-Za-z0-9_-]{1,64}$/;

export class SegmentRecorder implements Recording {
  readonly #opts: Required<SegmentRecorderOptions>;
  readonly #cameras = new Map<string, _CameraRecorder>();

  constructor(opts: SegmentRecorderOptions) {
    this.#opts = {
      segmentS: 1,
      maxLagMs: 20_000,
      log: () => {},
      now: () => Date.now(),
      clock: streamClock,
      ...opts,
    };
  }

  /** Record exactly these cameras (a source change restarts that camera's ffmpeg). */
  async apply(cameras: Map<string, RecordedCamera>): Promise<void> {
    for (const [id, rec] of [...this.#cameras]) {
      const next = cameras.get(id);
      if (!next || next.spec.source !== rec.spec.source || next.spec.loop !== rec.spec.loop) {
        this.#cameras.delete(id);
        await rec.stop();
      } else rec.retainMinutes = next.retainMinutes;
    }
    for (const [id, cam] of cameras) {
      if (this.#cameras.has(id) || !CAMERA_RE.test(id)) continue;
      const rec = new _CameraRecorder(id, cam, this.#opts);
      this.#cameras.set(id, rec);
      await rec.start();
    }
  }

  /** Segments of a camera in capture time (for tests and diagnostics). */
  segments(camera: string): { file: string; startMs: number; endMs: number }[] {
    return this.#cameras.get(camera)?.timeline() ?? [];
  }

  cut(camera: string, fromMs: number, toMs: number, outPath: string): Promise<CutResult> {
    const rec = this.#cameras.get(camera);
    if (!rec) return Promise.resolve({ status: "wait", reason: `${camera} is not recorded` });
    return rec.cut(fromMs, toMs, outPath);
  }

  async close(): Promise<void> {
    const all = [...this.#cameras.values()];
    this.#cameras.clear();
    await Promise.all(all.map((r) => r.stop()));
  }
}

class _CameraRecorder {
  readonly #camera: string;
  readonly spec: SourceSpec;
  readonly #opts: Required<SegmentRecorderOptions>;
  readonly #dir: string;
  retainMinutes: number;
  #entries: SegmentEntry[] = [];
  #child: Deno.ChildProcess | null = null;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #pruneTimer: ReturnType<typeof setInterval> | undefined;
  #failures = 0;
  #wake: () => void = () => {};

  constructor(camera: string, cam: RecordedCamera, opts: Required<SegmentRecorderOptions>) {
    this.#camera = camera;
    this.spec = cam.spec;
    this.retainMinutes = cam.retainMinutes;
    this.#opts = opts;
    this.#dir = `${opts.dir}/${camera}`;
  }

  async start(): Promise<void> {
    await Deno.mkdir(this.#dir, { recursive: true });
    this.#entries = await _readIndex(`${this.#dir}/index.jsonl`);
    this.#loop = this.#run();
    this.#pruneTimer = setInterval(() => this.#prune().catch(() => {}), 30_000);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#pruneTimer);
    this.#wake();
    try {
      this.#child?.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#loop;
  }

  /** Each run's anchor: min over its segments of (arrival − end), unix ms at stream second 0. */
  #anchors(): Map<string, number> {
    const anchors = new Map<string, number>();
    for (const e of this.#entries) {
      if (e.anchor_ms !== undefined || e.flushed) continue;
      const a = e.seen_ms - e.end_s * 1000;
      anchors.set(e.run, Math.min(anchors.get(e.run) ?? Infinity, a));
    }
    // A run that only ever wrote its flushed segment: that is all there is to go by.
    for (const e of this.#entries) {
      if (!anchors.has(e.run)) anchors.set(e.run, e.seen_ms - e.end_s * 1000);
    }
    return anchors;
  }

  timeline(): { file: string; run: string; startMs: number; endMs: number }[] {
    const anchors = this.#anchors();
    const clock = this.spec.sharedTimeline ? this.#opts.clock(this.#camera) : null;
    const anchorOf = (e: SegmentEntry) => {
      if (e.anchor_ms === undefined) return anchors.get(e.run)!;
      const now = clock && clock.epoch === e.epoch ? clock.anchorMs ?? Infinity : Infinity;
      return Math.min(e.anchor_ms, now);
    };
    return this.#entries.map((e) => ({
      file: e.file,
      run: e.run,
      startMs: anchorOf(e) + e.start_s * 1000,
      endMs: anchorOf(e) + e.end_s * 1000,
    })).sort((a, b) => a.startMs - b.startMs);
  }

  async cut(fromMs: number, toMs: number, outPath: string): Promise<CutResult> {
    const now = this.#opts.now();
    const segs = this.timeline();
    const recordedUntil = segs.length ? Math.max(...segs.map((s) => s.endMs)) : -Infinity;
    const retainMs = this.retainMinutes * 60_000;
    const overlapping = segs.filter((s) => s.endMs > fromMs && s.startMs < toMs);
    if (recordedUntil < toMs) {
      const lagged = now - toMs > this.#opts.maxLagMs;
      if (!lagged || (overlapping.length === 0 && now - toMs <= retainMs)) {
        return { status: "wait", reason: `recording reaches ${_iso(recordedUntil)} only` };
      }
      if (overlapping.length === 0) {
        return { status: "gone", reason: "the window was not recorded" };
      }
      // The recorder stopped short (source gone) long ago: the clip is what there is.
    }
    if (overlapping.length === 0) return { status: "gone", reason: "the window was not recorded" };
    // One run's contiguous segments: the run that recorded the window's start (or the first).
    const first = overlapping.find((s) => s.startMs <= fromMs) ?? overlapping[0];
    const parts = overlapping.filter((s) => s.run === first.run && s.startMs >= first.startMs);
    const list = `${outPath}.ffconcat`;
    await Deno.writeTextFile(
      list,
      "ffconcat version 1.0\n" +
        parts.map((p) => `file '${`${this.#dir}/${p.file}`.replaceAll("'", "'\\''")}'\n`).join(""),
    );
    try {
      await runFfmpeg([
        ...["-f", "concat", "-safe", "0", "-i", list],
        ...["-map", "0:v:0", "-c", "copy", "-t", ((toMs - first.startMs) / 1000).toFixed(3)],
        ...["-movflags", "+faststart", "-f", "mp4", outPath],
      ]);
    } catch (e) {
      // A segment pruned or half-written under us: the next attempt sees the new index.
      return { status: "wait", reason: (e as Error).message };
    } finally {
      await Deno.remove(list).catch(() => {});
    }
    const facts = await mp4Facts(outPath);
    return {
      status: "ok",
      startMs: Math.round(first.startMs + facts.firstPtsS * 1000),
      durationS: facts.durationS,
    };
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const run = String(this.#opts.now());
      const started = Date.now();
      try {
        await this.#runOnce(run);
      } catch (e) {
        this.#opts.log(`recorder ${this.#camera}: ${redactSecrets((e as Error).message)}`);
      }
      if (this.#stopped) break;
      this.#failures = Date.now() - started > 30_000 ? 0 : Math.min(this.#failures + 1, 5);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500 * 2 ** this.#failures);
        this.#wake = () => (clearTimeout(t), resolve());
      });
    }
  }

  async #runOnce(run: string): Promise<void> {
    const input: string[] = [];
    const src = this.spec.source.replace(/^file:\/\//, "");
    if (/^rtsps?:\/\//i.test(src)) input.push("-rtsp_transport", "tcp");
    // The relay's stream time as it is (the decoder reads it so too): one timeline for both.
    if (this.spec.sharedTimeline) input.push("-copyts");
    if (!isNetworkSource(src)) {
      input.push("-re");
      if (this.spec.loop) input.push("-stream_loop", "-1");
    }
    // Bound to the analyzer: a SIGKILLed analyzer must not leave it recording forever.
    const child = spawnBoundToAnalyzer(await ffmpegPath(), [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", ...input, "-i", src],
      ...["-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn"],
      ...["-f", "segment", "-segment_time", String(this.#opts.segmentS)],
      ...["-segment_format", "mp4", "-reset_timestamps", "1"],
      ...["-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof"],
      ...["-segment_list", "pipe:1", "-segment_list_type", "csv"],
      `${this.#dir}/${run}_%06d.mp4`,
    ], { stdout: "piped", stderr: "piped" });
    this.#child = child;
    const errText = new Response(child.stderr).text();
    const clock = this.spec.sharedTimeline ? this.#opts.clock(this.#camera) : null;
    let firstOfRun = true;
    // A segment's (end, arrival) counts once the next line shows it was closed by a keyframe's
    // arrival, not written out as ffmpeg stopped (whose end is no arrival).
    let closing: { end_s: number; seen: number } | null = null;
    let buf = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      const seen = this.#opts.now();
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        const m = /^([^,]+),([\d.]+),([\d.]+)$/.exec(line);
        if (!m) continue;
        const entry: SegmentEntry = {
          file: m[1],
          run,
          start_s: Number(m[2]),
          end_s: Number(m[3]),
          seen_ms: seen,
        };
        if (clock) {
          if (closing) {
            clock.observe(closing.end_s, closing.seen, firstOfRun);
            firstOfRun = false;
          }
          closing = { end_s: entry.end_s, seen };
          entry.anchor_ms = clock.anchorMs ?? seen - entry.end_s * 1000;
          entry.epoch = clock.epoch;
        }
        this.#entries.push(entry);
        this.#failures = 0;
        await Deno.writeTextFile(`${this.#dir}/index.jsonl`, JSON.stringify(entry) + "\n", {
          append: true,
        });
      }
    }
    const status = await child.status;
    await child.stdin.close().catch(() => {});
    this.#child = null;
    // The segment ffmpeg wrote out as it stopped was not closed by a keyframe's arrival.
    const last = this.#entries.findLast((e) => e.run === run);
    if (last) {
      last.flushed = true;
      await Deno.writeTextFile(
        `${this.#dir}/index.jsonl`,
        JSON.stringify({ flushed: last.file }) + "\n",
        { append: true },
      ).catch(() => {});
    }
    const err = (await errText).trim().split("\n").slice(-2).join(" | ");
    if (!this.#stopped) {
      throw new Error(`ffmpeg exited (${status.code})${err ? `: ${err}` : ""}; restarting`);
    }
  }

  /** Drop segments older than the retention (files and index lines). */
  async #prune(): Promise<void> {
    const cutoff = this.#opts.now() - this.retainMinutes * 60_000;
    const timeline = this.timeline();
    const old = new Set(timeline.filter((s) => s.endMs < cutoff).map((s) => s.file));
    if (old.size === 0) return;
    this.#entries = this.#entries.filter((e) => !old.has(e.file));
    const tmp = `${this.#dir}/.index.jsonl.tmp`;
    await Deno.writeTextFile(tmp, this.#entries.map((e) => JSON.stringify(e) + "\n").join(""));
    await Deno.rename(tmp, `${this.#dir}/index.jsonl`);
    for (const f of old) await Deno.remove(`${this.#dir}/${f}`).catch(() => {});
  }

  /** Run the pruning now (tests). */
  prune(): Promise<void> {
    return this.#prune();
  }
}

async function _readIndex(path: string): Promise<SegmentEntry[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return [];
  }
  const out: SegmentEntry[] = [];
  for (const line of text.split("\n")) {
    try {
      const e = JSON.parse(line);
      if (typeof e.flushed === "string") {
        const f = out.find((x) => x.file === e.flushed);
        if (f) f.flushed = true;
      } else if (typeof e.file === "string" && typeof e.run === "string") out.push(e);
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}

function _iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "nothing";
}

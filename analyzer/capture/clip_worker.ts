/**
 * A replay clip for every finalized pass, durably: the pass is written at once (never blocked by
 * its clip); its clip job is spooled to disk first and worked through three steps, each kept on
 * disk once done, so a restart, a lagging recording, a store or database outage only delays it:
 *   1. cut `entered_at − pre_roll` .. `exited_at + post_roll` from the recording (waits until the
 *      recording reaches the window's end; clip_recording.ts); with `privacy.clips`, re-encode it
 *      with people and plates pixelated from the per-frame boxes spooled with the job
 *      (privacy_boxes.ts; the post-roll's are added once the analyzer has gone past it),
 *   2. put the MP4 in the object store next to the crop (`minio://<bucket>/clips/...`); a
 *      re-encoded clip of a camera with `keep_originals` also has its remuxed (unblurred) original
 *      kept in the spool and put under `originals/` (shared/original_uri.ts), admins only,
 *   3. record `clip_uri`, `clip_start`, `clip_duration_s` on the pass row (waits for the row).
 * A window the recording never had (older than it keeps) is set aside as `.bad` and counted.
 */
import type { Box } from "../../shared/geometry.ts";
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import { parseObjectUri } from "../../shared/object_store/uri.ts";
import { writeFileDurable } from "../../shared/fs.ts";
import { originalUri } from "../../shared/original_uri.ts";
import pg from "../../shared/db/pg.ts";
import type { PassSummary } from "../../shared/events.ts";
import type { CutClip, Recording } from "./clip_recording.ts";
import {
  blurClip,
  plateBand,
  plateBandRegions,
  type TimedBox,
  timedBoxes,
} from "./clip_privacy.ts";
import {
  type FrameBoxes,
  mergeFrames,
  type PrivacyBoxLog,
  regionsAt,
  validFrames,
} from "./privacy_boxes.ts";
import { SpoolPump } from "./spool_pump.ts";

/** A clip whose pass row is still missing this long after its window is given up. */
const ORPHAN_AFTER_MS = 24 * 3600_000;

export interface ClipSettings {
  enabled: boolean;
  pre_roll_s: number;
  post_roll_s: number;
  /** `privacy: { blur: [...], clips: true }`: re-encode with these pixelated. */
  privacy?: { people: boolean; plates: boolean };
  /** `privacy.keep_originals`: a re-encoded clip's remuxed original is stored too (originals/). */
  keepOriginal?: boolean;
}

/** Per-frame boxes spooled with a clip job (privacy.clips). */
export interface ClipPrivacy {
  people: boolean;
  plates: boolean;
  /** The detector's boxes per frame over the window (privacy_boxes.ts). */
  frames: FrameBoxes[];
  /** Capture time the frames are complete to; below `to_ms` they are topped up before the cut. */
  until_ms: number;
}

/** One clip to make, as spooled. Times are capture times, unix ms. */
export interface ClipJob {
  v: 1;
  pass_id: string;
  camera: string;
  uri: string;
  from_ms: number;
  to_ms: number;
  /** The vehicle's boxes over the pass: the clip is re-encoded with its plate band pixelated. */
  blur_plates?: TimedBox[];
  /** People (and every vehicle's plate band) pixelated from per-frame detector boxes. */
  privacy?: ClipPrivacy;
  /** Also store the remuxed original under originals/ when the clip is re-encoded. */
  keep_original?: boolean;
}

/** Where the clip is recorded on its pass; false = no such row (yet). */
export interface ClipRowWriter {
  setClip(passId: string, uri: string, clip: CutClip): Promise<boolean>;
}

export interface ClipWorkerOptions {
  recording: Recording;
  store: ObjectStore;
  /** null: no database (nothing to record the clip on). */
  rows: ClipRowWriter | null;
  spoolDir: string;
  bucket: string;
  /** The camera's clip settings now (config reloads apply to the next pass). */
  settings: (camera: string) => ClipSettings | null;
  log?: (m: string) => void;
  /** How often a job waiting for the recording or its pass row is tried again. */
  retryMs?: number;
  /** The analyzer's per-frame boxes (privacy.clips); null: none (gaps are pixelated whole). */
  boxes?: PrivacyBoxLog | null;
  /**
   * How long after a window's end a job still waits for the analyzer's boxes to reach it (then
   * what is missing is pixelated whole); as the recorder's maxLagMs.
   */
  boxesLagMs?: number;
  now?: () => number;
}

/** The object uri of a pass's clip: deterministic, beside the crop's `passes/`. */
export function passClipUri(bucket: string, camera: string, passId: string, exitedAt: number) {
  const day = new Date(exitedAt).toISOString().slice(0, 10);
  return `minio://${bucket}/clips/${camera}/${day}/${passId.replace(/[^A-Za-z0-9._-]/g, "_")}.mp4`;
}

export class ClipWorker {
  readonly #o: Required<ClipWorkerOptions>;
  readonly #dir: string;
  readonly #pump: SpoolPump;
  #failures = 0;
  /** Clips cut, stored and recorded on their pass. */
  done = 0;
  /** Clips given up (window not recorded). */
  failed = 0;
  /** Clips re-encoded with plates pixelated (privacy), and the CPU seconds that took. */
  blurred = 0;
  blurCpuS = 0;
  /** Jobs spooled and not finished, as of the last look at the spool. */
  pendingClips = 0;
  lastError = "";

  constructor(opts: ClipWorkerOptions) {
    this.#o = {
      log: () => {},
      retryMs: 1000,
      boxes: null,
      boxesLagMs: 20_000,
      now: () => Date.now(),
      ...opts,
    };
    this.#dir = opts.spoolDir;
    this.#pump = new SpoolPump({
      workAll: () => this.#workAll(),
      pending: () => this.pending(),
      retryDelayMs: () =>
        this.#failures ? Math.min(this.#o.retryMs * 2 ** this.#failures, 30_000) : this.#o.retryMs,
    });
    this.#pump.schedule(0);
  }

  /**
   * Queue the clip of a finalized pass (durable on disk when this resolves). When the camera
   * blurs clips, the analyzer's per-frame boxes logged so far for the window go with the job
   * (and its samples' boxes, for the vehicle's plate band).
   */
  async addPass(p: PassSummary & { samples?: readonly unknown[] }): Promise<void> {
    const s = this.#o.settings(p.camera);
    if (!s?.enabled) return;
    const from_ms = Math.round(p.entered_at - s.pre_roll_s * 1000);
    const to_ms = Math.round(p.exited_at + s.post_roll_s * 1000);
    let privacy: ClipPrivacy | undefined;
    if (s.privacy && (s.privacy.people || s.privacy.plates)) {
      const w = this.#o.boxes?.window(p.camera, from_ms, to_ms);
      privacy = {
        ...s.privacy,
        frames: w?.frames ?? [],
        until_ms: Math.min(to_ms, w?.coveredToMs ?? -Infinity),
      };
      if (!Number.isFinite(privacy.until_ms)) privacy.until_ms = from_ms;
    }
    await this.add({
      v: 1,
      pass_id: p.id,
      camera: p.camera,
      uri: passClipUri(this.#o.bucket, p.camera, p.id, p.exited_at),
      from_ms,
      to_ms,
      ...(s.privacy?.plates ? { blur_plates: timedBoxes(p.samples ?? []) } : {}),
      ...(privacy ? { privacy } : {}),
      ...(s.keepOriginal ? { keep_original: true } : {}),
    });
  }

  async add(job: ClipJob): Promise<void> {
    parseObjectUri(job.uri);
    await writeFileDurable(this.#dir, `${_b64(job.pass_id)}.job.json`, JSON.stringify(job));
    this.pendingClips++;
    this.#pump.schedule(0);
  }

  async pending(): Promise<number> {
    return (await this.#jobs()).length;
  }

  /** Work every pending job once now; true when none is left. */
  drain(): Promise<boolean> {
    return this.#pump.drain();
  }

  close(): Promise<void> {
    return this.#pump.stop();
  }

  async #jobs(): Promise<string[]> {
    let names: string[] = [];
    try {
      names = (await Array.fromAsync(Deno.readDir(this.#dir)))
        .filter((e) => e.isFile && e.name.endsWith(".job.json") && !e.name.startsWith("."))
        .map((e) => e.name.slice(0, -".job.json".length))
        .sort();
    } catch {
      // No spool yet.
    }
    this.pendingClips = names.length;
    return names;
  }

  async #workAll(): Promise<void> {
    let failed = false;
    for (const name of await this.#jobs()) {
      try {
        // Once the store or database failed, the other jobs are still cut (the recording
        // rotates away), just not stored until the next round.
        await this.#work(name, failed);
      } catch (e) {
        failed = true;
        this.#note(`clip ${name}: ${(e as Error).message} (will retry)`);
      }
    }
    this.#failures = failed ? Math.min(this.#failures + 1, 5) : 0;
  }

  async #work(name: string, cutOnly: boolean): Promise<void> {
    const base = `${this.#dir}/${name}`;
    let job: ClipJob;
    try {
      job = JSON.parse(await Deno.readTextFile(`${base}.job.json`));
      parseObjectUri(job.uri);
    } catch {
      await Deno.rename(`${base}.job.json`, `${base}.job.json.bad`).catch(() => {});
      return;
    }
    let cut = await _readJson<CutClip>(`${base}.cut.json`);
    if (!cut && job.privacy && job.privacy.until_ms < job.to_ms) {
      // The post-roll's boxes: wait for the analyzer to reach the window's end (a while).
      const w = this.#o.boxes?.window(job.camera, job.privacy.until_ms, job.to_ms);
      const lagged = this.#o.now() - job.to_ms > this.#o.boxesLagMs;
      if (w && w.coveredToMs < job.to_ms && !lagged) {
        this.#note(`clip of ${job.pass_id} waits for the analyzer's boxes`, false);
        return;
      }
      job.privacy.frames = mergeFrames(validFrames(job.privacy.frames), w?.frames ?? []);
      job.privacy.until_ms = job.to_ms;
      await writeFileDurable(this.#dir, `${name}.job.json`, JSON.stringify(job));
    }
    if (!cut) {
      const tmp = `${this.#dir}/.${name}.mp4`;
      const r = await this.#o.recording.cut(job.camera, job.from_ms, job.to_ms, tmp);
      if (r.status === "wait") {
        this.#note(`clip of ${job.pass_id} waits: ${r.reason}`, false);
        return;
      }
      if (r.status === "gone") {
        this.failed++;
        this.#o.log(`clip of ${job.pass_id} cannot be cut: ${r.reason}`);
        await Deno.rename(`${base}.job.json`, `${base}.job.json.bad`).catch(() => {});
        return;
      }
      const regions = clipRegions(job);
      if (regions) {
        // Privacy: the published clip is the re-encoded one; the remuxed original is kept (in
        // the spool, then under originals/) only with keep_originals.
        const blurred = `${this.#dir}/.${name}.blur.mp4`;
        try {
          const b = await blurClip(tmp, r.startMs, blurred, regions);
          this.blurred++;
          if (Number.isFinite(b.cpuS)) this.blurCpuS += b.cpuS;
          if (job.keep_original) await Deno.rename(tmp, `${base}.orig.mp4`);
        } finally {
          await Deno.remove(tmp).catch(() => {});
        }
        await Deno.rename(blurred, `${base}.mp4`);
      } else {
        await Deno.rename(tmp, `${base}.mp4`);
      }
      cut = { startMs: r.startMs, durationS: r.durationS };
      await writeFileDurable(this.#dir, `${name}.cut.json`, JSON.stringify(cut));
    }
    if (cutOnly) return;
    // The original first: once the published clip is recorded on its pass the job is done.
    if (await _exists(`${base}.orig.mp4`) && !(await _exists(`${base}.orig.stored`))) {
      const original = await Deno.readFile(`${base}.orig.mp4`);
      await this.#o.store.put(originalUri(job.uri), original, "video/mp4");
      await Deno.writeTextFile(`${base}.orig.stored`, "");
    }
    if (!(await _exists(`${base}.stored`))) {
      await this.#o.store.put(job.uri, await Deno.readFile(`${base}.mp4`), "video/mp4");
      await Deno.writeTextFile(`${base}.stored`, "");
    }
    if (this.#o.rows && !(await this.#o.rows.setClip(job.pass_id, job.uri, cut))) {
      if (Date.now() - job.to_ms > ORPHAN_AFTER_MS) {
        // The pass never arrived (or was deleted since): the stored clip stays, the job goes.
        this.failed++;
        this.#o.log(`clip of ${job.pass_id}: no such pass after a day; giving up`);
        await Deno.rename(`${base}.job.json`, `${base}.job.json.bad`).catch(() => {});
        for (const f of _DONE_FILES.slice(1)) {
          await Deno.remove(`${base}${f}`).catch(() => {});
        }
        return;
      }
      this.#note(`clip of ${job.pass_id} waits for its pass row`, false);
      return;
    }
    for (const f of _DONE_FILES) {
      await Deno.remove(`${base}${f}`).catch(() => {});
    }
    this.done++;
    this.pendingClips = Math.max(0, this.pendingClips - 1);
  }

  #note(msg: string, log = true): void {
    if (log && msg !== this.lastError) this.#o.log(msg);
    this.lastError = msg;
  }
}

/**
 * What a job's clip has pixelated at each capture time: the per-frame boxes (people, every
 * vehicle's plate band) and the pass vehicle's plate band from its samples; null: nothing (the
 * remuxed clip is published as it is).
 */
export function clipRegions(
  job: Pick<ClipJob, "blur_plates" | "privacy">,
): ((ts: number) => Box[]) | null {
  const track = job.blur_plates ?? null;
  const p = job.privacy;
  if (!track && !p) return null;
  const frames = p ? validFrames(p.frames) : [];
  const band = track ? plateBandRegions(track) : null;
  return (ts) => [
    ...(p
      ? regionsAt(frames, ts, { people: p.people, plateBand: p.plates ? plateBand : undefined })
      : []),
    ...(band ? band(ts) : []),
  ];
}

/** Records clips on pass rows in Postgres. */
export class PgClipRows implements ClipRowWriter {
  readonly #pool: InstanceType<typeof pg.Pool>;

  constructor(databaseUrl: string) {
    this.#pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 1,
      connectionTimeoutMillis: 3000,
    });
    this.#pool.on("error", () => {}); // an idle connection lost: the next query reconnects
  }

  async setClip(passId: string, uri: string, clip: CutClip): Promise<boolean> {
    const r = await this.#pool.query(
      `update vehicle_passes set clip_uri = $2, clip_start = to_timestamp($3 / 1000.0),
         clip_duration_s = $4 where id = $1`,
      [passId, uri, clip.startMs, clip.durationS],
    );
    return (r.rowCount ?? 0) > 0;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/** A job's spool files, removed once it is done (the job itself first). */
const _DONE_FILES = [".job.json", ".mp4", ".cut.json", ".stored", ".orig.mp4", ".orig.stored"];

function _b64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s))).replaceAll("+", "-")
    .replaceAll("/", "_").replaceAll("=", "");
}

async function _readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

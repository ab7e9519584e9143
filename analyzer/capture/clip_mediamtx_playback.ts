/**
 * Clips from MediaMTX's recordings on a site, through its playback server (MEDIA_PLAYBACK_URL,
 * e.g. http://mediamtx:9996; `playback: yes` and `record: yes` in deploy/mediamtx.yml):
 * - `GET /list?path=<camera>&start=<RFC3339>&end=<RFC3339>` → `[{start, duration, url}]`, the
 *   recorded timespans (404 when the path has no recording there);
 * - `GET /get?path=<camera>&start=<RFC3339>&duration=<s>&format=mp4` → the recording from `start`.
 * Contract as documented at https://mediamtx.org/docs/usage/playback. MediaMTX cannot run in the
 * test environment: clip_mediamtx_playback_test.ts checks this client against a fake that
 * follows that contract, not against MediaMTX itself.
 *
 * Timeline: the clip's time 0 is taken to be `start`, with any frames from the keyframe before
 * it at negative times (what ffmpeg's seek also writes). The clip is remuxed (`-c copy`) so it
 * begins at its first frame; its capture start is `start` plus that first frame's (negative)
 * time. The reader's credentials (MEDIA_READ_USER/PASSWORD; media-auth allows them `playback`)
 * go as HTTP basic auth.
 */
import { clipFromRaw, type CutResult, type Recording } from "./clip_recording.ts";

export interface MediaMtxPlaybackOptions {
  /** The playback server's base URL. */
  baseUrl: string;
  user?: string;
  password?: string;
  /** How long after a window's end a recording that stopped short is cut as far as it goes. */
  maxLagMs?: number;
  /** Recordings older than this are gone (MediaMTX's recordDeleteAfter). */
  retainMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

interface _Span {
  start: string;
  duration: number;
}

export class MediaMtxPlayback implements Recording {
  readonly #o: Required<Omit<MediaMtxPlaybackOptions, "user" | "password">>;
  readonly #auth: Record<string, string>;

  constructor(opts: MediaMtxPlaybackOptions) {
    this.#o = {
      maxLagMs: 20_000,
      retainMs: 24 * 3600_000,
      now: () => Date.now(),
      fetch: globalThis.fetch,
      ...opts,
      baseUrl: opts.baseUrl.replace(/\/$/, ""),
    };
    this.#auth = opts.user
      ? { authorization: `Basic ${btoa(`${opts.user}:${opts.password ?? ""}`)}` }
      : {};
  }

  async cut(camera: string, fromMs: number, toMs: number, outPath: string): Promise<CutResult> {
    const now = this.#o.now();
    let spans: _Span[];
    try {
      spans = await this.#list(camera, fromMs, toMs);
    } catch (e) {
      return { status: "wait", reason: `playback server: ${(e as Error).message}` };
    }
    const ends = spans.map((s) => Date.parse(s.start) + s.duration * 1000);
    const recordedUntil = ends.length ? Math.max(...ends) : -Infinity;
    if (recordedUntil < toMs) {
      const lagged = now - toMs > this.#o.maxLagMs;
      if (!lagged || (spans.length === 0 && now - toMs <= this.#o.retainMs)) {
        return { status: "wait", reason: "the recording does not reach the window's end yet" };
      }
    }
    if (spans.length === 0) return { status: "gone", reason: "the window was not recorded" };
    const startMs = Math.max(fromMs, Math.min(...spans.map((s) => Date.parse(s.start))));
    const endMs = Math.min(toMs, recordedUntil);
    const url = `${this.#o.baseUrl}/get?${new URLSearchParams({
      path: camera,
      start: new Date(startMs).toISOString(),
      duration: ((endMs - startMs) / 1000).toFixed(3),
      format: "mp4",
    })}`;
    let bytes: Uint8Array;
    try {
      const r = await this.#o.fetch(url, { headers: this.#auth });
      if (!r.ok) {
        await r.body?.cancel();
        return { status: "wait", reason: `playback server: /get answered ${r.status}` };
      }
      bytes = new Uint8Array(await r.arrayBuffer());
    } catch (e) {
      return { status: "wait", reason: `playback server: ${(e as Error).message}` };
    }
    const raw = `${outPath}.raw.mp4`;
    await Deno.writeFile(raw, bytes);
    try {
      // Begin at the first (key)frame, whatever its time in MediaMTX's timeline.
      return { status: "ok", ...await clipFromRaw(raw, startMs, outPath) };
    } catch (e) {
      return { status: "wait", reason: `unreadable recording: ${(e as Error).message}` };
    } finally {
      await Deno.remove(raw).catch(() => {});
    }
  }

  async #list(camera: string, fromMs: number, toMs: number): Promise<_Span[]> {
    const url = `${this.#o.baseUrl}/list?${new URLSearchParams({
      path: camera,
      start: new Date(fromMs).toISOString(),
      end: new Date(toMs).toISOString(),
    })}`;
    const r = await this.#o.fetch(url, { headers: this.#auth });
    if (r.status === 404) {
      await r.body?.cancel();
      return []; // no recording of this path in the window
    }
    if (!r.ok) {
      await r.body?.cancel();
      throw new Error(`/list answered ${r.status}`);
    }
    const body = await r.json();
    if (!Array.isArray(body)) throw new Error("/list did not answer a list");
    return body.filter((s): s is _Span =>
      typeof s?.start === "string" && Number.isFinite(Date.parse(s.start)) &&
      typeof s?.duration === "number"
    );
  }
}

/**
 * A fake MediaMTX playback server for tests (MediaMTX cannot run here), following the documented
 * contract (https://mediamtx.org/docs/usage/playback): `/list?path&start&end` answers the recorded
 * timespans `[{start, duration, url}]` (404 when none), `/get?path&start&duration&format` the
 * recording from `start`, frames from the keyframe before it at negative times. One recording:
 * path `cam_02`, the 12 s sample from REC_START_MS; basic auth `reader:pw`.
 */
import { runFfmpeg } from "./clip_recording.ts";

const SAMPLE = new URL("../../samples/scenes/full_stop.mp4", import.meta.url).pathname;
/** The fake's one recording of `cam_02`: the 12 s sample, recorded from this instant. */
export const REC_START_MS = Date.UTC(2026, 10, 21, 8, 0, 0);
const REC_S = 12;
export const READER_AUTH = `Basic ${btoa("reader:pw")}`;

export function fakePlayback(
  dir: string,
  seen: string[] = [],
  port = 0,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    seen.push(`${url.pathname}?${url.searchParams}`);
    if (req.headers.get("authorization") !== READER_AUTH) return new Response("", { status: 401 });
    const path = url.searchParams.get("path");
    const recEnd = REC_START_MS + REC_S * 1000;
    if (url.pathname === "/list") {
      const start = Date.parse(url.searchParams.get("start") ?? "") || 0;
      const end = Date.parse(url.searchParams.get("end") ?? "") || Infinity;
      if (path !== "cam_02" || end <= REC_START_MS || start >= recEnd) {
        return Response.json({ error: "no recordings found" }, { status: 404 });
      }
      const iso = new Date(REC_START_MS).toISOString();
      return Response.json([{
        start: iso,
        duration: REC_S,
        url: `${url.origin}/get?path=cam_02&start=${encodeURIComponent(iso)}&duration=${REC_S}`,
      }]);
    }
    if (url.pathname === "/get") {
      const start = Date.parse(url.searchParams.get("start") ?? "");
      const duration = Number(url.searchParams.get("duration"));
      if (path !== "cam_02" || !Number.isFinite(start) || !(duration > 0)) {
        return new Response("bad request", { status: 400 });
      }
      // From `start`, with the frames from the keyframe before it at negative times.
      const out = `${dir}/get_${seen.length}.mp4`;
      await runFfmpeg([
        ...["-ss", ((start - REC_START_MS) / 1000).toFixed(3), "-i", SAMPLE],
        ...["-t", String(duration), "-c", "copy", "-f", "mp4", out],
      ]);
      return new Response(await Deno.readFile(out), { headers: { "content-type": "video/mp4" } });
    }
    return new Response("not found", { status: 404 });
  });
}

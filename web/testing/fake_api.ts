/**
 * Fake functions API for browser tests of the pages, with exactly the contract shapes:
 * /api/cameras, /api/config (ETag, If-Match, 412, 422 {error, issues}), /api/passes (filters,
 * cursor), /api/passes/:id (+ samples), /api/passes/:id/image (a real JPEG), /api/stats.
 * Records the requests so tests can check what the app sent.
 */
import { VERDICTS } from "../../shared/verdict.ts";
import { Hono } from "hono";
import jpeg from "jpeg-js";
import type { PassDetail, PassRow, PassSample, Stats } from "../src/api.ts";
import type { ConfigJson } from "../src/zones/config_client.ts";

export function fakePasses(n: number, t0 = Date.parse("2026-11-21T08:00:00Z")): PassRow[] {
  return Array.from({ length: n }, (_, i) => {
    const verdict = VERDICTS[i % 3];
    const exited = t0 + (n - i) * 60_000;
    return {
      id: `cam_0${1 + (i % 2)}:${1000 + i}`,
      camera: `cam_0${1 + (i % 2)}`,
      track_id: 100 + i,
      label: i % 4 === 0 ? "truck" : "car",
      verdict,
      entered_at: new Date(exited - 5000).toISOString(),
      exited_at: new Date(exited).toISOString(),
      time_in_zone_s: 5,
      stop_duration_s: verdict === "full_stop" ? 3 : verdict === "rolling_stop" ? 0.2 : 0,
      min_speed_px_s: verdict === "full_stop" ? 0 : 25,
      entry_speed_px_s: 80,
      // Road speeds: the fake cameras are not calibrated.
      entry_speed_mps: null,
      min_speed_mps: null,
      max_speed_mps: null,
      image_url: `/api/passes/${encodeURIComponent(`cam_0${1 + (i % 2)}:${1000 + i}`)}/image`,
      clip_url: null,
      clip_start: null,
      clip_duration_s: null,
    };
  });
}

function _crop(): Uint8Array<ArrayBuffer> {
  const w = 96;
  const h = 64;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([40, 120 + (i % w), 200, 255], i * 4);
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 80).data);
}

export interface ApiLog {
  passQueries: URLSearchParams[];
  puts: { body: ConfigJson; ifMatch: string | undefined }[];
}

export function fakeApi(config: ConfigJson, opts: { passes?: number } = {}) {
  const passes = fakePasses(opts.passes ?? 60);
  const log: ApiLog = { passQueries: [], puts: [] };
  const state = {
    config: structuredClone(config),
    version: 1,
    /** What the next PUT answers: "ok", "invalid" (422 naming stop_zone point 1), "conflict". */
    put: "ok" as "ok" | "invalid" | "conflict",
  };
  const crop = _crop();
  const app = new Hono();
  app.get("/api/cameras", (c) =>
    c.json({
      cameras: Object.keys(state.config.cameras).map((id, i) => ({
        id,
        status: { fps: 10 },
        // The first camera's chain is fresh; the others' inference stopped 45 s ago.
        staleness: {
          camera_ms: 300,
          decode_ms: 200,
          infer_ms: i === 0 ? 150 : 45_000,
          publish_ms: i === 0 ? 140 : 45_010,
          relay_ms: i === 0 ? 120 : null,
        },
      })),
      // Fleet mode (issue #16 §3): two analyzers sharing the cameras.
      fleet: [
        {
          holder: "box-1",
          max_cameras: 2,
          started_at: "2026-11-29T10:00:00.000Z",
          seen_at: new Date().toISOString(),
          cameras: Object.keys(state.config.cameras).slice(0, 1),
        },
        {
          holder: "box-2",
          max_cameras: 2,
          started_at: "2026-11-29T10:00:00.000Z",
          seen_at: new Date().toISOString(),
          cameras: Object.keys(state.config.cameras).slice(1),
        },
      ],
    }));
  app.get("/api/config", (c) => c.json(state.config, 200, { etag: `"v${state.version}"` }));
  app.put("/api/config", async (c) => {
    const body = await c.req.json() as ConfigJson;
    log.puts.push({ body, ifMatch: c.req.header("if-match") });
    if (state.put === "conflict" || c.req.header("if-match") !== `"v${state.version}"`) {
      return c.json({ error: "config changed since it was read" }, 412);
    }
    if (state.put === "invalid") {
      const cam = Object.keys(body.cameras)[0];
      return c.json({
        error: "invalid config",
        issues: [{
          path: `cameras.${cam}.zones.stop_zone.1`,
          message: "stop zone corners cross each other",
        }, { path: `cameras.${cam}.detect.fps`, message: "too high for this camera" }],
      }, 422);
    }
    state.config = body;
    state.version++;
    return c.json({ revision: state.version }, 200, { etag: `"v${state.version}"` });
  });
  app.get("/api/passes", (c) => {
    const q = new URL(c.req.url).searchParams;
    log.passQueries.push(q);
    let rows = passes;
    if (q.get("camera")) rows = rows.filter((p) => p.camera === q.get("camera"));
    if (q.get("verdict")) rows = rows.filter((p) => p.verdict === q.get("verdict"));
    if (q.get("min_stop_s")) rows = rows.filter((p) => p.stop_duration_s >= +q.get("min_stop_s")!);
    const start = Number(q.get("cursor") ?? 0);
    const limit = Number(q.get("limit") ?? 50);
    const page = rows.slice(start, start + limit);
    const next = start + limit < rows.length ? String(start + limit) : null;
    return c.json({ passes: page, next_cursor: next });
  });
  app.get("/api/passes/:id/image", (c) => c.body(crop, 200, { "content-type": "image/jpeg" }));
  app.get("/api/passes/:id", (c) => {
    const p = passes.find((x) => x.id === c.req.param("id"));
    if (!p) return c.json({ error: "not found" }, 404);
    const t0 = Date.parse(p.entered_at) - 2000;
    const samples = Array.from({ length: 40 }, (_, i): PassSample => {
      const t = i * 0.25;
      const speed = t < 3 ? 80 - t * 26 : t < 6 ? 0.5 : (t - 6) * 30;
      const phase = t < 2 ? "approach" : t < 3 ? "in_zone" : t < 6 ? "stopped" : "leaving";
      return {
        ts: t0 + t * 1000,
        cx: 0.3 + t * 0.03,
        cy: 0.4,
        speed_px_s: Math.max(0, speed),
        phase,
      };
    });
    const detail: PassDetail = { ...p, quality: { samples: 40, coverage: 0.97 }, samples };
    return c.json(detail);
  });
  app.get("/api/stats", (c) => {
    const hours = Array.from({ length: 24 }, (_, i) => {
      const f = (i * 7) % 5;
      const r = (i * 3) % 4;
      const n = i % 3;
      return {
        hour: new Date(Date.parse("2026-11-21T00:00:00Z") + i * 3600_000).toISOString(),
        count: f + r + n,
        full_stop: f,
        rolling_stop: r,
        no_stop: n,
      };
    });
    const stats: Stats = {
      passes_per_hour: hours,
      verdicts: { full_stop: 48, rolling_stop: 36, no_stop: 24 },
      stop_duration_histogram: Array.from({ length: 8 }, (_, i) => ({
        from_s: i * 0.5,
        to_s: (i + 1) * 0.5,
        count: [20, 6, 4, 8, 12, 30, 10, 3][i],
      })),
      cameras: [
        {
          camera: "cam_01",
          fps: 10,
          infer_ms: 13.1,
          lag_ms: 40,
          dropped: 3,
          frames: 12000,
          updated_at: new Date().toISOString(),
          online: true,
        },
        {
          camera: "cam_02",
          fps: null,
          infer_ms: null,
          lag_ms: null,
          dropped: null,
          frames: null,
          updated_at: null,
          online: false,
        },
      ],
    };
    return c.json(stats);
  });
  return { app, log, state };
}

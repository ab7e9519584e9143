/**
 * cameras: GET /api/cameras (viewer, filtered by the token's `cameras` claim), POST /api/cameras
 * `{id, name, source, enabled?}`, PATCH /api/cameras/:id, DELETE /api/cameras/:id, POST
 * /api/cameras/:id/analysis `{enabled}` (pause/resume analysis, video untouched) (operator; a
 * token whose `cameras` claim lists some cameras may only write those: 403 for the others, before
 * anything about them is looked up). GET /api/cameras/:id/snapshot.jpg: a JPEG of a recent frame
 * (viewer, camera claim; where the frame comes from: snapshot.ts).
 *
 * Camera source URLs are secrets: stored sealed (secret_box, STOPLINE_SECRET_KEY), returned and
 * logged only redacted. With MEDIAMTX_API_URL set, each change is provisioned to MediaMTX (path
 * name = camera id) inside the database transaction: when MediaMTX refuses (422) or cannot be
 * reached (502) the transaction rolls back, so the table never claims a camera MediaMTX does not
 * have. A crash between MediaMTX's answer and COMMIT is repaired by the next reconcile pass.
 *
 * The list also shows cameras that exist only in the config file (what the analyzer runs) or in
 * camera_status (what an analyzer reports), so a stack without provisioned cameras still lists
 * its cameras.
 *
 * Each listed camera has a `staleness` chain (ARCHITECTURE §8): the age in ms of the newest
 * frame at each link, camera -> decode -> infer -> publish (from the analyzer's status row, plus
 * the row's own age) -> relay (this process's tick hub, when mounted with it); null = unknown.
 * The last link, the browser's render, is measured by the browser itself (the stats page).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { CAMERA_ID_RE } from "../../shared/channels.ts";
import { setAnalysisEnabled } from "../../shared/db/analysis_state.ts";
import { parseConfigYaml, redactSecrets, redactSource } from "../../shared/config.ts";
import { type SourcePolicy, sourceProblem } from "../../shared/camera_source.ts";
import { authFromEnv, getClaims, mayReadCamera, mayWriteCamera } from "../_shared/auth.ts";
import { readJsonCapped } from "../_shared/body.ts";
import { type ApiCommonOptions, createApiApp } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { ApiError } from "../_shared/errors.ts";
import { rateLimitFromEnv, type RateLimitOptions } from "../_shared/rate_limit.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { SecretBox } from "../_shared/secret_box.ts";
import {
  mediaMtxAuthFromEnv,
  MediaMtxClient,
  MediaMtxError,
  pathConfFor,
  PULL_SCHEMES,
} from "./mediamtx_client.ts";
import { CAMERAS_LOCK_KEY, type ReconcileReport, startReconciler } from "./reconcile.ts";
import { type FrameGrab, SnapshotCache } from "./snapshot.ts";
import { CodecWatch } from "./codec_watch.ts";

export interface CamerasOptions extends ApiCommonOptions {
  pool: DbPool;
  box: SecretBox;
  /** Write rate limit per token subject (default none; startCameras: the environment's). */
  rateLimit?: RateLimitOptions;
  /** null = provisioning off (dev): cameras are only stored. */
  mediamtx: MediaMtxClient | null;
  /** The settings file; its camera ids are listed too. */
  configPath?: string;
  env?: (n: string) => string | undefined;
  /** Ms since a camera's newest tick reached the relay (null: none yet); absent: no relay here. */
  relayTickAgeMs?: (camera: string) => number | null;
  /** Frames for the snapshot route (functions/main.ts: the dev relay's or MediaMTX's); none: 404. */
  frameGrab?: FrameGrab | null;
  /**
   * The codec a camera's stream arrived in ("h264", "h265"), where known (the dev relay); absent
   * with `mediamtx` set: asked of MediaMTX (codec_watch.ts), which also gets H.265 cameras'
   * `<cam>_h264` copies.
   */
  codecOf?: (camera: string) => string | null;
}

/** A status row older than this means the analyzer stopped reporting (it writes every 2 s). */
const ONLINE_WITHIN_MS = 10_000;

const SourceSchema = z.string().trim().min(1).max(2048);
/** Table cameras are pulled by MediaMTX: network URLs only, never a file on the server. */
const TABLE_SOURCES: SourcePolicy = { mediaDir: null, schemes: PULL_SCHEMES };
const CreateSchema = z.object({
  id: z.string().regex(CAMERA_ID_RE, "id: 1-64 of A-Z a-z 0-9 _ -"),
  name: z.string().trim().min(1).max(100),
  source: SourceSchema,
  enabled: z.boolean().default(true),
}).strict();
const PatchSchema = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  source: SourceSchema.optional(),
  enabled: z.boolean().optional(),
}).strict().refine((p) => Object.keys(p).length > 0, "nothing to change");
const AnalysisSchema = z.object({ enabled: z.boolean() }).strict();

type Row = { id: string; name: string; source_sealed: string; enabled: boolean };
type Tx = { query: DbPool["query"] };

export function createCamerasApp(opts: CamerasOptions): Hono {
  const log = opts.log ?? ((m: string) => console.log(`cameras: ${m}`));
  if (!opts.box.encrypts) {
    log("STOPLINE_SECRET_KEY is not set: camera source URLs are stored in PLAINTEXT (dev only)");
  }
  const app = createApiApp(["/api/cameras/*"], {
    ...opts,
    log: opts.log ?? ((m: string) => console.error(`cameras: ${m}`)),
    maxBodyBytes: MAX_BODY_BYTES,
    rateLimit: opts.rateLimit ?? null,
  });

  const codecWatch = opts.mediamtx ? new CodecWatch(opts.mediamtx, { log }) : null;
  const frameGrab = opts.frameGrab;
  const snapshots = frameGrab
    ? new SnapshotCache({
      log,
      // Only cameras with a source are grabbed: an unknown id never spawns anything.
      grab: async (id) =>
        (await _listCameras(opts, log)).some((cam) => cam.id === id && cam.source)
          ? await frameGrab(id)
          : "unknown",
    })
    : null;

  app.get("/api/cameras/:id/snapshot.jpg", async (c) => {
    const id = c.req.param("id");
    if (!CAMERA_ID_RE.test(id)) throw new ApiError(400, "bad camera id");
    const claims = getClaims(c);
    // Before any lookup: a camera outside the claim is refused whether or not it exists.
    if (claims && !mayReadCamera(claims, id)) {
      throw new ApiError(403, `this token may not watch camera ${id}`);
    }
    if (!snapshots) throw new ApiError(404, "no snapshot source on this server");
    const snap = await snapshots.get(id);
    if (snap === "unknown") throw new ApiError(404, "unknown camera", { id });
    if (!snap) throw new ApiError(503, "no recent frame of this camera");
    return c.body(snap.jpeg, 200, {
      "content-type": "image/jpeg",
      "cache-control": "no-store",
      // How old the picture is (server clock), so a tile can say so without trusting clocks.
      "x-frame-age-ms": String(Math.max(0, Date.now() - snap.capturedAtMs)),
      "access-control-expose-headers": "x-frame-age-ms",
    });
  });

  app.get("/api/cameras", async (c) => {
    const claims = getClaims(c);
    const cameras = (await _listCameras(opts, log)).filter((cam) =>
      !claims || mayReadCamera(claims, cam.id)
    );
    // Dev: the relay knows each stream's codec; production: MediaMTX, asked per camera.
    const found = !opts.codecOf && codecWatch
      ? await codecWatch.codecs(cameras.map((cam) => cam.id))
      : null;
    const listed = cameras.map((cam) => {
      const codec = opts.codecOf ? opts.codecOf(cam.id) : found?.get(cam.id);
      return codec ? { ...cam, codec } : cam;
    });
    const fleet = await _listFleet(opts, (cam) => !claims || mayReadCamera(claims, cam));
    return c.json({ cameras: listed, fleet });
  });

  app.post("/api/cameras", async (c) => {
    const input = await _parse(c, CreateSchema);
    _mayWrite(c, input.id);
    const sealed = await opts.box.seal(input.source, input.id);
    return await _write(c, opts, log, async (tx) => {
      const r = await tx.query(
        `insert into cameras (id, name, source_sealed, enabled) values ($1, $2, $3, $4)
         on conflict (id) do nothing`,
        [input.id, input.name, sealed, input.enabled],
      );
      if (!r.rowCount) throw new ApiError(409, "a camera with this id exists", { id: input.id });
      if (input.enabled) await _provision(tx, opts, input.id, input.source, false);
      return c.json(_public(input, input.source, "table"), 201);
    });
  });

  app.patch("/api/cameras/:id", async (c) => {
    const id = c.req.param("id");
    if (!CAMERA_ID_RE.test(id)) throw new ApiError(400, "bad camera id");
    _mayWrite(c, id);
    const patch = await _parse(c, PatchSchema);
    return await _write(c, opts, log, async (tx) => {
      const found = await tx.query(
        "select id, name, source_sealed, enabled from cameras where id = $1 for update",
        [id],
      );
      const old = found.rows[0] as Row | undefined;
      if (!old) throw new ApiError(404, "unknown camera", { id });
      const source = patch.source ?? await opts.box.open(old.source_sealed, id);
      const next = {
        id,
        name: patch.name ?? old.name,
        enabled: patch.enabled ?? old.enabled,
        source_sealed: patch.source === undefined
          ? old.source_sealed
          : await opts.box.seal(patch.source, id),
      };
      await tx.query(
        `update cameras set name = $2, source_sealed = $3, enabled = $4, updated_at = now()
         where id = $1`,
        [id, next.name, next.source_sealed, next.enabled],
      );
      // Only a change of what MediaMTX serves needs MediaMTX: a rename works while it is down.
      if (next.enabled && (!old.enabled || patch.source !== undefined)) {
        await _provision(tx, opts, id, source, old.enabled);
      } else if (!next.enabled && old.enabled) {
        await _unprovision(tx, opts, id);
      }
      return c.json(_public(next, source, "table"));
    });
  });

  // Pause/resume analysis (runtime control): stored in camera_analysis and announced to the
  // analyzer (shared/db/analysis_state.ts). Only the analysis stops; MediaMTX keeps the video.
  app.post("/api/cameras/:id/analysis", async (c) => {
    const id = c.req.param("id");
    if (!CAMERA_ID_RE.test(id)) throw new ApiError(400, "bad camera id");
    _mayWrite(c, id);
    const body = await readJsonCapped(c.req.raw, MAX_BODY_BYTES);
    if (!body.ok) throw new ApiError(body.status, body.error);
    const input = AnalysisSchema.safeParse(body.value);
    if (!input.success) {
      throw new ApiError(400, 'send {"enabled": true|false}', {
        issues: input.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    }
    // Only cameras stopline knows (table, config file, analyzer status) get a row.
    if (!(await _listCameras(opts, log)).some((cam) => cam.id === id)) {
      throw new ApiError(404, "unknown camera", { id });
    }
    const state = await setAnalysisEnabled(
      (sql, params) => opts.pool.query(sql, params),
      id,
      input.data.enabled,
      getClaims(c)?.sub ?? "",
    );
    log(`${id}: analysis ${state.enabled ? "resumed" : "paused"} by ${state.updated_by}`);
    return c.json(state);
  });

  app.delete("/api/cameras/:id", async (c) => {
    const id = c.req.param("id");
    if (!CAMERA_ID_RE.test(id)) throw new ApiError(400, "bad camera id");
    _mayWrite(c, id);
    return await _write(c, opts, log, async (tx) => {
      const r = await tx.query("delete from cameras where id = $1", [id]);
      if (!r.rowCount) throw new ApiError(404, "unknown camera", { id });
      await _unprovision(tx, opts, id);
      return c.body(null, 204);
    });
  });

  return app;
}

/** 403 unless the token's `cameras` claim (if any) covers `id`. */
function _mayWrite(c: Context, id: string): void {
  const claims = getClaims(c);
  if (claims && !mayWriteCamera(claims, id)) {
    throw new ApiError(403, `this token may not change camera ${id}`);
  }
}

/** Run `fn` in a transaction holding the cameras lock; any error (MediaMTX's too) rolls it back. */
async function _write(
  _c: Context,
  opts: CamerasOptions,
  log: (m: string) => void,
  fn: (tx: Tx) => Promise<Response>,
): Promise<Response> {
  const client = await opts.pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [CAMERAS_LOCK_KEY]);
    const res = await fn(client);
    await client.query("commit");
    return res;
  } catch (e) {
    await client.query("rollback").catch(() => {});
    if (!(e instanceof MediaMtxError)) throw e;
    log(`provisioning failed, change rolled back: ${e.message}`);
    // MediaMTX judged the path conf invalid (400) -> the request was bad; anything else -> 502.
    if (e.status === 400) {
      throw new ApiError(422, "MediaMTX rejected the camera", { reason: e.message });
    }
    throw new ApiError(502, "MediaMTX unavailable; nothing was changed", { reason: e.message });
  } finally {
    client.release();
  }
}

async function _provision(
  tx: Tx,
  opts: CamerasOptions,
  id: string,
  source: string,
  existed: boolean,
): Promise<void> {
  if (!opts.mediamtx) return;
  await tx.query("insert into mediamtx_owned_paths (name) values ($1) on conflict do nothing", [
    id,
  ]);
  const conf = pathConfFor(source);
  if (existed) await opts.mediamtx.update(id, conf);
  else await opts.mediamtx.ensure(id, conf);
}

async function _unprovision(tx: Tx, opts: CamerasOptions, id: string): Promise<void> {
  if (!opts.mediamtx) return;
  const owned = await tx.query("delete from mediamtx_owned_paths where name = $1", [id]);
  if (owned.rowCount) await opts.mediamtx.remove(id);
}

interface PublicCamera {
  id: string;
  name: string;
  source: string | null;
  enabled: boolean;
  mediamtx_path: string;
  /** Where the camera is known from: provisioned table, config file, or only analyzer status. */
  origin: "table" | "config" | "status";
  /** Whether analysis is wanted (POST /api/cameras/:id/analysis); status.paused: in effect. */
  analysis_enabled: boolean;
  /** Fleet mode: the analyzer holding this camera's lease now (null: none, or no fleet). */
  analyzer: { holder: string; epoch: number; expires_at: string } | null;
  status: {
    fps: number;
    infer_ms: number;
    lag_ms: number;
    dropped: number;
    frames: number;
    updated_at: string;
    online: boolean;
    /** The analyzer reports this camera's analysis paused (video still served). */
    paused: boolean;
    /**
     * Share of the analyzed frames of the last 10 s the detector ran on, 0..1 (motion gating;
     * 1 when every frame is detected; null from an analyzer that does not report it).
     */
    detected_share: number | null;
  } | null;
  staleness: Staleness;
}

/** Age of the newest frame at each link of the chain, ms; null = unknown (no report yet). */
export interface Staleness {
  camera_ms: number | null;
  decode_ms: number | null;
  infer_ms: number | null;
  publish_ms: number | null;
  relay_ms: number | null;
}

function _public(
  row: { id: string; name: string; enabled: boolean },
  source: string | null,
  origin: PublicCamera["origin"],
): PublicCamera {
  return {
    id: row.id,
    name: row.name,
    source: source === null ? null : redactSource(source),
    enabled: row.enabled,
    mediamtx_path: row.id,
    origin,
    analysis_enabled: true,
    analyzer: null,
    status: null,
    staleness: {
      camera_ms: null,
      decode_ms: null,
      infer_ms: null,
      publish_ms: null,
      relay_ms: null,
    },
  };
}

async function _listCameras(opts: CamerasOptions, log: (m: string) => void) {
  const byId = new Map<string, PublicCamera>();
  const rows = (await opts.pool.query(
    "select id, name, source_sealed, enabled from cameras order by id",
  )).rows as Row[];
  for (const r of rows) {
    let source: string | null = null;
    try {
      source = await opts.box.open(r.source_sealed, r.id);
    } catch (e) {
      log(`camera ${r.id}: ${(e as Error).message}`);
    }
    byId.set(r.id, _public(r, source, "table"));
  }
  for (const [id, source] of await _configCameras(opts, log)) {
    if (!byId.has(id)) byId.set(id, _public({ id, name: id, enabled: true }, source, "config"));
  }
  // The analyzer's ages were taken when it wrote the row: add the row's age (database clock).
  const status = (await opts.pool.query(
    `select camera, fps, infer_ms, lag_ms, dropped, frames, updated_at, paused, capture_age_ms,
       decode_age_ms, infer_age_ms, publish_age_ms, detected_share,
       extract(epoch from now() - updated_at)::float8 * 1000 as row_age_ms
     from camera_status`,
  )).rows;
  const now = Date.now();
  for (const s of status) {
    const id = s.camera as string;
    let cam = byId.get(id);
    if (!cam) {
      cam = _public({ id, name: id, enabled: true }, null, "status");
      byId.set(id, cam);
    }
    const updated = s.updated_at as Date;
    cam.status = {
      fps: Number(s.fps),
      infer_ms: Number(s.infer_ms),
      lag_ms: Number(s.lag_ms),
      dropped: Number(s.dropped),
      frames: Number(s.frames),
      updated_at: updated.toISOString(),
      online: now - updated.getTime() < ONLINE_WITHIN_MS,
      paused: s.paused === true,
      detected_share: s.detected_share == null ? null : Number(s.detected_share),
    };
    const rowAge = Math.max(0, Number(s.row_age_ms));
    const aged = (v: unknown) =>
      v === null || v === undefined ? null : Math.round(Number(v) + rowAge);
    cam.staleness = {
      ...cam.staleness,
      camera_ms: aged(s.capture_age_ms),
      decode_ms: aged(s.decode_age_ms),
      infer_ms: aged(s.infer_age_ms),
      publish_ms: aged(s.publish_age_ms),
    };
  }
  for (const cam of byId.values()) {
    const relay = opts.relayTickAgeMs?.(cam.id);
    cam.staleness.relay_ms = relay === undefined || relay === null ? null : Math.round(relay);
  }
  const switches = await opts.pool.query("select camera, enabled from camera_analysis");
  for (const a of switches.rows) {
    const cam = byId.get(a.camera as string);
    if (cam) cam.analysis_enabled = a.enabled as boolean;
  }
  const leases = await opts.pool.query(
    `select camera, holder, epoch, expires_at from camera_leases
     where holder is not null and expires_at > now()`,
  );
  for (const l of leases.rows) {
    const cam = byId.get(l.camera as string);
    if (!cam) continue;
    cam.analyzer = {
      holder: l.holder as string,
      epoch: Number(l.epoch),
      expires_at: (l.expires_at as Date).toISOString(),
    };
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The live analyzers of the fleet (seen within the lease expiry) with the cameras each holds,
 * only those the caller may read.
 */
async function _listFleet(opts: CamerasOptions, mayRead: (camera: string) => boolean) {
  const rows = (await opts.pool.query(
    `select f.holder, f.max_cameras, f.started_at, f.seen_at,
       coalesce(array(select l.camera from camera_leases l
         where l.holder = f.holder and l.expires_at > now() order by l.camera), '{}') as cameras
     from analyzer_fleet f where f.seen_at > now() - interval '10 seconds' order by f.holder`,
  )).rows;
  return rows.map((r) => ({
    holder: r.holder as string,
    max_cameras: Number(r.max_cameras),
    started_at: (r.started_at as Date).toISOString(),
    seen_at: (r.seen_at as Date).toISOString(),
    cameras: (r.cameras as string[]).filter(mayRead),
  }));
}

/** Camera id -> source from the settings file; an unreadable file lists nothing (and says why). */
async function _configCameras(
  opts: CamerasOptions,
  log: (m: string) => void,
): Promise<[string, string][]> {
  if (!opts.configPath) return [];
  try {
    // Never substituted: a value from the environment is a secret and must not be listed, not
    // even redacted (a secret in a URL path survives redaction). `${NAME}` is shown as ***.
    const cfg = parseConfigYaml(
      await Deno.readTextFile(opts.configPath),
      opts.env ?? ((n) => Deno.env.get(n)),
      { substitute: false },
    );
    return Object.entries(cfg.cameras).map((
      [id, cam],
    ) => [id, cam.source.replace(/\$\{[A-Za-z0-9_]+\}/g, "***")]);
  } catch (e) {
    log(`cannot read camera ids from ${opts.configPath}: ${redactSecrets((e as Error).message)}`);
    return [];
  }
}

const MAX_BODY_BYTES = 16 * 1024;

async function _parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const body = await readJsonCapped(c.req.raw, MAX_BODY_BYTES);
  if (!body.ok) throw new ApiError(body.status, body.error);
  const r = schema.safeParse(body.value);
  // Zod messages name fields, never values: no camera URL ends up in an error.
  if (!r.success) {
    throw new ApiError(400, "invalid camera", {
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  // Well-formed but not a source stopline may use (the shared rules): 422 naming the field.
  const source = (r.data as { source?: string }).source;
  const problem = source === undefined || source === "publisher"
    ? null
    : sourceProblem(source, TABLE_SOURCES);
  if (problem) {
    throw new ApiError(422, "invalid camera", {
      issues: [{ path: "source", message: `${problem} (or "publisher")` }],
    });
  }
  return r.data;
}

export interface CamerasService {
  /** Mountable at once; requests wait for the (async) key import. */
  app: Hono;
  /** Resolves to the start-up reconcile report (null when MediaMTX is not configured). */
  firstReconcile: Promise<ReconcileReport | null>;
  close(): Promise<void>;
}

/**
 * The cameras API wired from the environment: STOPLINE_SECRET_KEY, MEDIAMTX_API_URL (+
 * MEDIAMTX_API_USER/PASSWORD or STOPLINE_JWT_SECRET), STOPLINE_JWT_SECRET for the API's own
 * auth. Starts the reconciler when MediaMTX is configured. Synchronous so a plain
 * `app.route("/", startCameras(pool).app)` mounts it.
 */
export function startCameras(
  pool: DbPool,
  opts: {
    configPath?: string;
    env?: (n: string) => string | undefined;
    log?: (m: string) => void;
    reconcileIntervalMs?: number;
    /** Run the start-up + periodic reconcile (default true). */
    reconcile?: boolean;
    corsOrigins?: readonly string[];
    rateLimit?: RateLimitOptions;
    relayTickAgeMs?: (camera: string) => number | null;
    /** Frames for the snapshot route (the dev relay's or MediaMTX's, see snapshot.ts). */
    frameGrab?: FrameGrab | null;
    codecOf?: (camera: string) => string | null;
  } = {},
): CamerasService {
  const env = opts.env ?? ((n: string) => Deno.env.get(n));
  const ready = (async () => {
    const box = await SecretBox.fromEnv(env);
    const apiUrl = env("MEDIAMTX_API_URL");
    const mediamtx = apiUrl
      ? new MediaMtxClient({ baseUrl: apiUrl, authorization: mediaMtxAuthFromEnv(env) })
      : null;
    const inner = createCamerasApp({
      pool,
      auth: authFromEnv(env),
      box,
      mediamtx,
      configPath: opts.configPath ?? env("STOPLINE_CONFIG"),
      env,
      log: opts.log,
      corsOrigins: opts.corsOrigins ?? corsOriginsFromEnv(env),
      rateLimit: opts.rateLimit ?? rateLimitFromEnv(env),
      relayTickAgeMs: opts.relayTickAgeMs,
      frameGrab: opts.frameGrab,
      codecOf: opts.codecOf,
    });
    const reconciler = mediamtx && opts.reconcile !== false
      ? startReconciler(pool, box, mediamtx, {
        intervalMs: opts.reconcileIntervalMs,
        log: opts.log,
      })
      : null;
    return { inner, reconciler };
  })();
  const app = new Hono();
  const forward = async (c: Context) => (await ready).inner.fetch(c.req.raw, c.env);
  app.all("/api/cameras", forward);
  app.all("/api/cameras/*", forward);
  return {
    app,
    firstReconcile: ready.then((r) => r.reconciler?.first ?? null),
    close: async () => await (await ready).reconciler?.close(),
  };
}

// Deployed alone (edge host): DATABASE_URL plus the variables of startCameras. Writes still
// provision MediaMTX; the periodic reconcile needs a long-running process (functions/main.ts),
// not a short-lived edge isolate.
let _service: CamerasService | null | undefined;
export default {
  fetch: (req: Request) => {
    const url = Deno.env.get("DATABASE_URL");
    _service ??= url ? startCameras(createPool(url, 2), { reconcile: false }) : null;
    if (!_service) return Response.json({ error: "DATABASE_URL is not set" }, { status: 503 });
    return _service.app.fetch(req);
  },
};

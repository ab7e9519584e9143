/**
 * The attacker's test world: the real functions server (functions/main.ts `startFunctions`, every
 * function mounted) with auth on and production-like settings, a real Postgres with passes on two
 * cameras, and tokens for every actor of docs/SECURITY.md — plus the broken tokens an attacker
 * would try.
 */
import { SignJWT } from "jose";
import { startTestDatabase, type TestDatabase } from "../../dev/testing/postgres.ts";
import { CONFIG_YAML } from "../config/testing.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { signJwt } from "../_shared/jwt.ts";
import { insertPasses } from "../passes/testing.ts";
import { type RunningFunctions, startFunctions } from "../main.ts";

export const SECRET = "attacker-suite-secret-0123456789abcdefghijk";
/** cam_01 is the scoped actors' camera ("cam_A"), cam_02 another one ("cam_B"). */
export const CAM_A = "cam_01";
export const CAM_B = "cam_02";
export const PUBLISHER = { user: "publisher", password: "pub-secret-7c1d" };
export const CORS_ORIGIN = "https://ops.example";

/** Who asks: the actors of the threat model, then tokens that must never work. */
export const ACTORS = [
  "anonymous",
  "viewer",
  "viewer_A",
  "operator_A",
  "operator",
  "admin",
  "expired",
  "nbf_future",
  "alg_none",
  "wrong_alg",
  "wrong_key",
] as const;
export type Actor = typeof ACTORS[number];

/** Tokens that carry an admin role but must be refused. */
export const BROKEN: readonly Actor[] = [
  "expired",
  "nbf_future",
  "alg_none",
  "wrong_alg",
  "wrong_key",
];

const nowS = () => Math.floor(Date.now() / 1000);

function _b64(o: unknown): string {
  return btoa(JSON.stringify(o)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export async function tokensFor(): Promise<Record<Actor, string | null>> {
  const exp = nowS() + 3600;
  const admin = { sub: "mallory", role: "admin" as const, exp };
  return {
    anonymous: null,
    viewer: await signJwt({ sub: "vera", role: "viewer", exp }, SECRET),
    viewer_A: await signJwt({ sub: "val", role: "viewer", exp, cameras: [CAM_A] }, SECRET),
    operator_A: await signJwt({ sub: "oscar", role: "operator", exp, cameras: [CAM_A] }, SECRET),
    operator: await signJwt({ sub: "olga", role: "operator", exp }, SECRET),
    admin: await signJwt({ sub: "ada", role: "admin", exp }, SECRET),
    expired: await signJwt({ ...admin, exp: nowS() - 3600 }, SECRET),
    nbf_future: await signJwt({ ...admin, nbf: nowS() + 3600 }, SECRET),
    alg_none: `${_b64({ alg: "none", typ: "JWT" })}.${_b64(admin)}.`,
    // Signed with the right secret but an algorithm that is not on the allow-list.
    wrong_alg: await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS384" })
      .setSubject("mallory").setExpirationTime(exp).sign(new TextEncoder().encode(SECRET)),
    wrong_key: await signJwt(admin, "not-the-secret-but-just-as-long-0123456789"),
  };
}

export interface World {
  functions: RunningFunctions;
  base: string;
  pool: DbPool;
  db: TestDatabase;
  tokens: Record<Actor, string | null>;
  /** Pass ids: one on each camera. */
  passA: string;
  passB: string;
  logs: string[];
  configPath: string;
  close(): Promise<void>;
}

/** Production-like environment (the variables docker-compose.yml sets), restored by `close`. */
export const ENV: Record<string, string> = {
  STOPLINE_JWT_SECRET: SECRET,
  STOPLINE_SECRET_KEY: btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 5 + 1))),
  MEDIA_PUBLISH_USER: PUBLISHER.user,
  MEDIA_PUBLISH_PASSWORD: PUBLISHER.password,
  STOPLINE_CORS_ORIGINS: CORS_ORIGIN,
  CAM_02_PASSWORD: "cam-two-password-5e2f",
};

/** `mediaRelay`: also mount the dev media relay (`/media/*`), as the dev stack does. */
export async function startWorld(opts: { mediaRelay?: boolean } = {}): Promise<World> {
  const saved = new Map(Object.keys(ENV).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(ENV)) Deno.env.set(k, v);
  const restoreEnv = () => {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  };
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  await pool.query("delete from vehicle_passes; delete from cameras; delete from camera_status");
  const [passA, passB] = await insertPasses(pool, [
    { camera: CAM_A, track_id: 1, verdict: "full_stop", exited_at: _ago(60), stop_duration_s: 2 },
    { camera: CAM_B, track_id: 2, verdict: "no_stop", exited_at: _ago(30), stop_duration_s: 0 },
  ]);
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(configPath, CONFIG_YAML);
  const logs: string[] = [];
  const functions = startFunctions({
    databaseUrl: db.url,
    port: 0,
    configPath,
    objectsDir: `${dir}/objects`,
    mediaRelay: opts.mediaRelay ?? false,
    log: (m) => logs.push(m),
  });
  return {
    functions,
    base: `http://127.0.0.1:${functions.port}`,
    pool,
    db,
    tokens: await tokensFor(),
    passA,
    passB,
    logs,
    configPath,
    async close() {
      await functions.close();
      await pool.end();
      await db.close();
      await Deno.remove(dir, { recursive: true });
      restoreEnv();
    },
  };
}

function _ago(s: number): string {
  return new Date(Date.now() - s * 1000).toISOString();
}

/** Open a WebSocket; resolves "open" or "refused" (never throws). */
export function tryWebSocket(url: string, protocols?: string[]): Promise<"open" | "refused"> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    const timer = setTimeout(() => {
      ws.close();
      resolve("refused");
    }, 5_000);
    ws.onopen = () => {
      clearTimeout(timer);
      ws.close();
      resolve("open");
    };
    ws.onerror = () => {
      clearTimeout(timer);
      resolve("refused");
    };
  });
}

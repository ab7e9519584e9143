/**
 * Runtime configuration the server hands the app (`GET /app-config.json`), and the player order
 * actually used (`?player=whep,hls,mse` overrides the server default). Pure, and in shared/
 * because two deployables use it: the web app reads it, functions/web produces the same shape
 * from its environment.
 */

export const PLAYER_MODES = ["whep", "hls", "mse"] as const;
export type PlayerMode = typeof PLAYER_MODES[number];

/**
 * Where the live page gets ticks and events: the relay's `/ws` (default), or Supabase Realtime
 * broadcast (`<url>/realtime/v1`, topic `camera:<id>`) with the project's public anon key.
 */
export type RealtimeConfig =
  | {
    kind: "relay";
    /** Why the relay is used although something else was asked for (a misconfiguration). */
    note?: string;
  }
  | { kind: "supabase"; url: string; anon_key: string };

export interface AppConfig {
  player_order: PlayerMode[];
  /** MediaMTX WebRTC base (in dev the relay's `/media`); WHEP is `<whep_base>/<camera>/whep`. */
  whep_base: string | null;
  /** MediaMTX HLS base; the playlist is `<hls_base>/<camera>/index.m3u8`. */
  hls_base: string | null;
  /** The functions require a token. */
  auth: boolean;
  realtime: RealtimeConfig;
  /**
   * The server has Web Push keys (STOPLINE_VAPID_PUBLIC_KEY): only then does the passes page ask
   * for the key and offer notifications (otherwise every page load would log a failed request).
   */
  push: boolean;
}

export const DEFAULT_APP_CONFIG: AppConfig = {
  player_order: ["mse"],
  whep_base: null,
  hls_base: null,
  auth: false,
  realtime: { kind: "relay" },
  push: false,
};

/** "whep, hls,mse" -> ["whep","hls","mse"]: unknown names dropped, duplicates removed. */
export function parsePlayerOrder(text: string | null | undefined): PlayerMode[] {
  const out: PlayerMode[] = [];
  for (const raw of (text ?? "").split(",")) {
    const m = raw.trim().toLowerCase() as PlayerMode;
    if ((PLAYER_MODES as readonly string[]).includes(m) && !out.includes(m)) out.push(m);
  }
  return out;
}

/**
 * The order to try: the URL's `?player=` if it names any mode, else the server's. Modes whose
 * server is not configured are skipped; with nothing left the dev relay (MSE) is the floor.
 */
export function effectiveOrder(cfg: AppConfig, search: string): PlayerMode[] {
  const fromUrl = parsePlayerOrder(new URLSearchParams(search).get("player"));
  const order = fromUrl.length ? fromUrl : cfg.player_order;
  const usable = order.filter((m) =>
    m === "mse" || (m === "whep" && cfg.whep_base) || (m === "hls" && cfg.hls_base)
  );
  return usable.length ? usable : ["mse"];
}

/** Validate the JSON from the server; anything odd falls back to the safe default. */
export function parseAppConfig(value: unknown): AppConfig {
  if (typeof value !== "object" || value === null) return { ...DEFAULT_APP_CONFIG };
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === "string" && x ? x.replace(/\/+$/, "") : null);
  const order = Array.isArray(v.player_order) ? parsePlayerOrder(v.player_order.join(",")) : [];
  return {
    player_order: order.length ? order : [...DEFAULT_APP_CONFIG.player_order],
    whep_base: str(v.whep_base),
    hls_base: str(v.hls_base),
    auth: v.auth === true,
    realtime: parseRealtimeConfig(v.realtime),
    push: v.push === true,
  };
}

/** `{kind: "supabase"}` needs an http(s) URL and a key; anything else is the relay. */
export function parseRealtimeConfig(value: unknown): RealtimeConfig {
  if (typeof value !== "object" || value === null) return { kind: "relay" };
  const v = value as Record<string, unknown>;
  if (v.kind === "supabase") {
    const url = typeof v.url === "string" ? v.url.trim().replace(/\/+$/, "") : "";
    const key = typeof v.anon_key === "string" ? v.anon_key.trim() : "";
    if (/^https?:\/\/[^/?#\s]+[^?#\s]*$/i.test(url) && key) {
      return { kind: "supabase", url, anon_key: key };
    }
    return { kind: "relay", note: "realtime: supabase needs an http(s) url and an anon_key" };
  }
  return typeof v.note === "string" && v.note
    ? { kind: "relay", note: v.note.slice(0, 300) }
    : { kind: "relay" };
}

export async function loadAppConfig(): Promise<AppConfig> {
  try {
    const res = await fetch("/app-config.json", { cache: "no-store" });
    if (!res.ok) return { ...DEFAULT_APP_CONFIG };
    return parseAppConfig(await res.json());
  } catch {
    return { ...DEFAULT_APP_CONFIG };
  }
}

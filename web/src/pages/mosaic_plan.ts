/**
 * What each mosaic tile shows, decided from the camera list alone (pure, so it is unit-tested):
 * the first `liveLimit` configured cameras play live, further ones show snapshots, and a camera
 * only an analyzer reports (no source known to the server) is "not configured".
 */
export const DEFAULT_LIVE_LIMIT = 9;

export type TileKind = "live" | "snapshot" | "unconfigured";

export interface MosaicCamera {
  id: string;
  /** Redacted source; null when the server knows no source for it. */
  source?: string | null;
  enabled?: boolean;
  status?: { online?: boolean } | null;
  /** The camera's codec where the server knows it ("h264", "h265"). */
  codec?: string;
}

export function planMosaic(
  cameras: MosaicCamera[],
  liveLimit = DEFAULT_LIVE_LIMIT,
): { id: string; kind: TileKind }[] {
  let live = 0;
  return cameras.map((c) => {
    if (!c.source || c.enabled === false) return { id: c.id, kind: "unconfigured" as const };
    if (live < liveLimit) {
      live++;
      return { id: c.id, kind: "live" as const };
    }
    return { id: c.id, kind: "snapshot" as const };
  });
}

/** `?live=` on the mosaic route: 0..64 live players, else the default. */
export function liveLimitFrom(params: URLSearchParams): number {
  const raw = params.get("live");
  const n = raw === null || raw.trim() === "" ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 64 ? n : DEFAULT_LIVE_LIMIT;
}

export type BadgeState =
  | "playing"
  | "connecting"
  | "offline"
  | "at_capacity"
  | "unconfigured"
  | "snapshot";

/** The tile's video badge: its data-state and its words. */
export function videoBadge(kind: TileKind, state: string | null): [BadgeState, string] {
  if (kind === "unconfigured") return ["unconfigured", "camera not configured"];
  if (kind === "snapshot") return ["snapshot", "snapshot (live limit)"];
  switch (state) {
    case "playing":
      return ["playing", "playing"];
    case "unavailable":
      return ["offline", "video offline"];
    case "at_capacity":
      return ["at_capacity", "stream at capacity"];
    case "buffering":
      return ["connecting", "buffering"];
    default:
      return ["connecting", "connecting"];
  }
}

/** "4 s ago", "2 min ago" for a snapshot's age. */
export function ageText(ageMs: number): string {
  const s = Math.max(0, Math.round(ageMs / 1000));
  return s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

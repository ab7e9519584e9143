/**
 * The staleness chain of one camera (ARCHITECTURE §8): the age of the newest frame at each link,
 * camera -> decode -> infer -> publish -> relay -> browser render. The first link past the
 * threshold is where the chain broke; the links after it are stale because of it.
 */

export const CHAIN = ["camera", "decode", "infer", "publish", "relay", "render"] as const;
export type ChainLink = typeof CHAIN[number];

/** Ages in ms per link; null or absent = unknown (no report, or this deployment lacks it). */
export type ChainAges = Partial<Record<ChainLink, number | null>>;

/** Older than this is stale: the analyzer's readiness limit for a camera's newest frame. */
export const STALE_AFTER_MS = 5_000;

/** The `staleness` object of GET /api/cameras, as chain ages (render is the browser's own). */
export function chainFromApi(
  s: Record<string, number | null> | null | undefined,
  renderMs: number | null,
): ChainAges {
  return {
    camera: s?.camera_ms ?? null,
    decode: s?.decode_ms ?? null,
    infer: s?.infer_ms ?? null,
    publish: s?.publish_ms ?? null,
    relay: s?.relay_ms ?? null,
    render: renderMs,
  };
}

/** The first link (from the camera on) whose age is known and past the threshold, or null. */
export function firstStaleLink(
  ages: ChainAges,
  staleAfterMs = STALE_AFTER_MS,
): ChainLink | null {
  for (const link of CHAIN) {
    const age = ages[link];
    if (typeof age === "number" && age > staleAfterMs) return link;
  }
  return null;
}

/** "850 ms", "12.3 s", "4 min"; "–" for unknown. */
export function fmtAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * Hash routes, so the app is one static page and every view has a shareable URL:
 * `#/live?camera=cam_02`, `#/passes?verdict=no_stop`, `#/passes/<id>`, `#/stats`, `#/mosaic`,
 * `#/report?camera=cam_01&from=…&to=…&bin=15m`, `#/records`.
 * `?camera=` in the query string still selects the live camera (older links).
 */

export type Route =
  | { page: "live"; params: URLSearchParams }
  | { page: "passes"; params: URLSearchParams }
  | { page: "pass"; id: string; params: URLSearchParams }
  | { page: "stats"; params: URLSearchParams }
  | { page: "mosaic"; params: URLSearchParams }
  | { page: "report"; params: URLSearchParams }
  | { page: "records"; params: URLSearchParams };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, "");
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "passes" && parts[1]) return { page: "pass", id: parts[1], params };
  if (parts[0] === "passes") return { page: "passes", params };
  if (parts[0] === "stats") return { page: "stats", params };
  if (parts[0] === "mosaic") return { page: "mosaic", params };
  if (parts[0] === "report") return { page: "report", params };
  if (parts[0] === "records") return { page: "records", params };
  return { page: "live", params };
}

/** `#/passes?verdict=no_stop` from a page and its set parameters. */
export function routeHash(path: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ""}`;
}

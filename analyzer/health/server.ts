/**
 * The analyzer's own health endpoints on ANALYZER_PORT. Liveness is not readiness:
 * `/healthz` = the process answers; `/readyz` = frames decoded recently AND database reachable
 * AND model loaded, with the reasons when not; `/metrics` = Prometheus text.
 */

export interface Readiness {
  ready: boolean;
  reasons: string[];
  /** Fleet mode: this analyzer's fleet id and the cameras it holds, with their lease epochs. */
  fleet?: { holder: string; cameras: { camera: string; epoch: number }[] };
}

export interface HealthSource {
  readiness(): Readiness;
  /** Prometheus exposition text. */
  metrics(): string;
}

export function healthHandler(src: HealthSource): (req: Request) => Response {
  return (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET") {
      return Response.json({ error: "method not allowed" }, { status: 405 });
    }
    if (path === "/healthz") return Response.json({ ok: true });
    if (path === "/readyz") {
      const r = src.readiness();
      return Response.json(r, { status: r.ready ? 200 : 503 });
    }
    if (path === "/metrics") {
      return new Response(src.metrics(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    return Response.json({ error: "not found" }, { status: 404 });
  };
}

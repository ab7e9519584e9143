/**
 * One OpenTelemetry span per API request (kind SERVER), named `METHOD /route/:pattern` so the
 * span names stay few; the camera and pass ids a request names are attributes. Without OTLP
 * export configured (shared/telemetry.ts) it is one null check and `next()`.
 */
import type { MiddlewareHandler } from "hono";
import type { Attributes, SpanKind } from "@opentelemetry/api";
import { activeTelemetry } from "../../shared/telemetry.ts";

// The API's enum values, spelled out: importing @opentelemetry/api at run time would load it in
// every function even with telemetry off.
const SPAN_KIND_SERVER = 1 as SpanKind;
const STATUS_ERROR = 2;

export const traceRequest: MiddlewareHandler = async (c, next) => {
  const telemetry = activeTelemetry();
  if (!telemetry) return await next();
  const method = c.req.method;
  const span = telemetry.tracer.startSpan(method, {
    kind: SPAN_KIND_SERVER,
    attributes: { "http.request.method": method, "url.path": c.req.path },
  });
  try {
    await next();
  } finally {
    // After the handler ran, routePath is the matched handler's pattern (e.g. /api/cameras/:id).
    const route = c.req.routePath;
    const status = c.res.status;
    const attrs: Attributes = { "http.route": route, "http.response.status_code": status };
    const id = route.includes(":id") ? c.req.param("id") : undefined;
    if (id && route.startsWith("/api/cameras/")) attrs["stopline.camera"] = id;
    if (id && route.startsWith("/api/passes/")) attrs["stopline.pass_id"] = id;
    const camera = c.req.query("camera");
    if (camera) attrs["stopline.camera"] = camera;
    span.updateName(`${method} ${route}`);
    span.setAttributes(attrs);
    if (status >= 500) span.setStatus({ code: STATUS_ERROR });
    span.end();
  }
};

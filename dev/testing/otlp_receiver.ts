/**
 * A real OTLP/HTTP receiver for tests: a Deno HTTP server on a free port that accepts what the
 * OpenTelemetry exporters POST to /v1/traces and /v1/metrics (JSON encoding) and decodes it into
 * flat spans and metric points, so a test can assert names, attributes and parent links.
 */

export type AttrValue = string | number | boolean | AttrValue[] | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttrValue>;
  /** The exporting process's resource (service.name, ...). */
  resource: Record<string, AttrValue>;
  status: { code?: number; message?: string };
}

export interface ReceivedPoint {
  metric: string;
  value: number;
  attributes: Record<string, AttrValue>;
  resource: Record<string, AttrValue>;
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  points: ReceivedPoint[];
  /** Content types of the requests received (the exporter's encoding). */
  contentTypes: string[];
  close(): Promise<void>;
}

type _KeyValue = { key: string; value: _AnyValue };
type _AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: _AnyValue[] };
};

function _value(v: _AnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(_value);
  return null;
}

function _attrs(list: _KeyValue[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, _value(kv.value)]));
}

/** OTLP JSON ids are hex (the spec) or base64 (some encoders): normalize to hex. */
function _hexId(id: string | undefined): string {
  if (!id) return "";
  if (/^[0-9a-f]+$/i.test(id)) return id.toLowerCase();
  return Array.from(atob(id), (ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

const _nanosToMs = (n: string | number | undefined) => Number(BigInt(n ?? 0) / 1000n) / 1000;

export function startOtlpReceiver(): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const contentTypes: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    contentTypes.push(req.headers.get("content-type") ?? "");
    // deno-lint-ignore no-explicit-any
    const body: any = await req.json();
    if (path === "/v1/traces") {
      for (const rs of body.resourceSpans ?? []) {
        const resource = _attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: _hexId(s.traceId),
              spanId: _hexId(s.spanId),
              parentSpanId: _hexId(s.parentSpanId),
              name: s.name,
              kind: s.kind ?? 0,
              startMs: _nanosToMs(s.startTimeUnixNano),
              endMs: _nanosToMs(s.endTimeUnixNano),
              attributes: _attrs(s.attributes),
              resource,
              status: s.status ?? {},
            });
          }
        }
      }
    } else if (path === "/v1/metrics") {
      for (const rm of body.resourceMetrics ?? []) {
        const resource = _attrs(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const data = m.gauge ?? m.sum ?? { dataPoints: [] };
            for (const p of data.dataPoints ?? []) {
              points.push({
                metric: m.name,
                value: p.asDouble ?? Number(p.asInt ?? NaN),
                attributes: _attrs(p.attributes),
                resource,
              });
            }
          }
        }
      }
    } else {
      return new Response("not found", { status: 404 });
    }
    return Response.json({});
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    spans,
    points,
    contentTypes,
    close: () => server.shutdown(),
  };
}

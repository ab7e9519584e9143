/**
 * The live analyzer process with OTLP export on, against real Postgres and a real OTLP/HTTP
 * receiver: frame spans with their stage children (live: `decode` starts at the capture time),
 * a `db_write` span carrying the pass id that lands in the database, the seed gauges as OTel
 * metrics and on /metrics, and the staleness ages in the status row.
 */
import assert from "node:assert/strict";
import { startOtlpReceiver } from "../dev/testing/otlp_receiver.ts";
import { withTestClient } from "../dev/testing/postgres.ts";
import { loopedSceneConfig, startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { waitFor } from "../dev/testing/wait.ts";

Deno.test({
  name: "live analyzer exports frame spans, pass ids and seed gauges over OTLP; status has ages",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q, _c, db) => {
      const receiver = startOtlpReceiver();
      const analyzer = await startTestAnalyzer({
        databaseUrl: db.url,
        config: await loopedSceneConfig(),
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_TRACES_SAMPLER_ARG: "1",
          OTEL_METRIC_EXPORT_INTERVAL: "1000",
          OTEL_SERVICE_NAME: "stopline-analyzer-live-test",
        },
      });
      try {
        const write = await waitFor(
          "a db_write span (a pass judged and handed to the writer)",
          () => receiver.spans.find((s) => s.name === "db_write"),
          90_000,
        );
        const frame = receiver.spans.find((s) => s.spanId === write.parentSpanId);
        assert.equal(frame?.name, "frame");
        assert.equal(frame.resource["service.name"], "stopline-analyzer-live-test");
        assert.equal(frame.attributes["stopline.camera"], "scene");
        const passId = String(write.attributes["stopline.pass_id"]);
        assert.deepEqual(frame.attributes["stopline.pass_ids"], [passId]);
        const stored = await waitFor(
          "the traced pass in Postgres",
          async () => (await q("select id from vehicle_passes where id = $1", [passId])).rows[0],
          15_000,
        );
        assert.equal(stored.id, passId);

        const children = receiver.spans.filter((s) => s.parentSpanId === frame.spanId);
        assert.deepEqual(
          children.map((s) => s.name).sort(),
          ["db_write", "decode", "infer", "publish", "track_judge"],
        );
        const decode = children.find((s) => s.name === "decode")!;
        assert.equal(
          decode.startMs,
          frame.attributes["stopline.capture_ts_ms"],
          "live, decode starts at the frame's capture time",
        );

        const gauge = await waitFor(
          "the decode age gauge over OTLP",
          () =>
            receiver.points.find((p) =>
              p.metric === "stopline_decode_age_ms" && p.attributes.camera === "scene"
            ),
          15_000,
        );
        assert.ok(gauge.value >= 0 && gauge.value < 5_000, `decode age ${gauge.value} ms`);
        const metrics = await (await fetch(`${analyzer.url}/metrics`)).text();
        for (const link of ["capture", "decode", "infer", "publish"]) {
          assert.match(
            metrics,
            new RegExp(`^stopline_${link}_age_ms\\{camera="scene"\\} \\d`, "m"),
          );
        }
        assert.match(metrics, /^stopline_pts_wall_delta_ms\{camera="scene"\} -?\d/m);

        const row = await waitFor(
          "the status row with the chain's ages",
          async () =>
            (await q(
              `select capture_age_ms, decode_age_ms, infer_age_ms, publish_age_ms
             from camera_status where camera = 'scene' and publish_age_ms is not null`,
            )).rows[0],
          10_000,
        );
        for (const [k, v] of Object.entries(row)) {
          assert.ok(typeof v === "number" && v >= 0 && v < 5_000, `${k} = ${v}`);
        }
      } finally {
        await analyzer.close();
        await receiver.close();
      }
    }),
});

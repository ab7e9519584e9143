import assert from "node:assert/strict";
import { startOtlpReceiver } from "../../dev/testing/otlp_receiver.ts";
import { parseConfigYaml } from "../../shared/config.ts";
import { startTelemetry, stopTelemetry } from "../../shared/telemetry.ts";
import { analyzeFile } from "../cli.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { resolveFilePath } from "../sources.ts";
import { otelFrameTracer } from "./frame_trace.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");

async function _analyze(env: Record<string, string>) {
  const telemetry = await startTelemetry((n) => env[n], "stopline-analyzer");
  assert.ok(telemetry, "the SDK starts when OTEL_EXPORTER_OTLP_ENDPOINT is set");
  const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
  const objectsDir = await Deno.makeTempDir();
  const passes: { id: string; verdict: string }[] = [];
  try {
    const summary = await analyzeFile({
      source: SCENE,
      camera: cfg.cameras.scene,
      cameraId: "scene",
      modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
      anchorMs: Date.parse("2026-11-21T08:00:00Z"),
      objectsDir,
      events: false,
      write: (l) => {
        const line = JSON.parse(l);
        if (line.type === "pass") passes.push(line);
      },
      tracer: otelFrameTracer(telemetry.tracer),
    });
    await telemetry.forceFlush();
    return { summary, passes };
  } finally {
    await stopTelemetry();
    await Deno.remove(objectsDir, { recursive: true });
  }
}

Deno.test("a real pipeline exports one frame span per frame with its stages as children to an OTLP receiver", async () => {
  const receiver = startOtlpReceiver();
  try {
    const { summary, passes } = await _analyze({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "1.0",
      OTEL_SERVICE_NAME: "stopline-analyzer-test",
    });
    assert.ok(receiver.contentTypes.every((t) => t.startsWith("application/json")));
    const frames = receiver.spans.filter((s) => s.name === "frame");
    // One span per detected frame (motion gating skips the detector, the tracker and the judge
    // on the others: they only publish a predicted tick).
    assert.equal(frames.length, summary.detected_frames, "every detected frame at ratio 1.0");
    assert.equal(frames[0].resource["service.name"], "stopline-analyzer-test");
    for (const f of frames) {
      assert.equal(f.parentSpanId, "", "the frame span is a root");
      assert.equal(f.attributes["stopline.camera"], "scene");
    }
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    const first = frames.find((f) => f.attributes["stopline.frame_seq"] === 0)!;
    const children = receiver.spans.filter((s) => s.parentSpanId === first.spanId);
    assert.deepEqual(children.map((s) => s.name).sort(), [
      "decode",
      "infer",
      "publish",
      "track_judge",
    ]);
    for (const c of children) {
      assert.equal(c.traceId, first.traceId, "children share the frame's trace");
      assert.equal(c.attributes["stopline.camera"], "scene");
      assert.ok(c.startMs >= first.startMs && c.endMs <= first.endMs, `${c.name} inside frame`);
    }
    // The stages follow each other: decode, infer, track+judge, publish.
    const at = (n: string) => children.find((s) => s.name === n)!;
    assert.ok(at("decode").endMs <= at("infer").startMs);
    assert.ok(at("infer").endMs <= at("track_judge").startMs);
    assert.ok(at("track_judge").endMs <= at("publish").startMs);
    assert.equal(typeof at("infer").attributes["stopline.infer_ms"], "number");

    // The judged pass: a db_write span under the frame that judged it, ids as attributes.
    assert.equal(passes.length, 1);
    const writes = receiver.spans.filter((s) => s.name === "db_write");
    assert.equal(writes.length, 1);
    const write = writes[0];
    assert.equal(write.attributes["stopline.pass_id"], passes[0].id);
    assert.equal(write.attributes["stopline.verdict"], "full_stop");
    const parent = byId.get(write.parentSpanId)!;
    assert.equal(parent.name, "frame");
    assert.deepEqual(parent.attributes["stopline.pass_ids"], [passes[0].id]);
  } finally {
    await receiver.close();
  }
});

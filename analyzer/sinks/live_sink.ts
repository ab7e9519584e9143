/**
 * The live analyzer's sink: ticks and events go out on NOTIFY (ticks latest-state, events in
 * order); passes, samples and events go to Postgres through the batched writer (passes spooled
 * to disk first); crops go to the object store through the retrying uploader; with MQTT_URL,
 * passes and track events also go to the MQTT bridge; passes are matched against the
 * notification rules (webhooks, Web Push) by the notifier; each pass's replay clip is queued with
 * the clip worker (cut later, never holding up the pass).
 */
import type { TrackEvent } from "../../shared/events.ts";
import { encodePassEvent } from "../../shared/events.ts";
import { originalUri } from "../../shared/original_uri.ts";
import type { ClipWorker } from "../capture/clip_worker.ts";
import type { CropUploader } from "../capture/crop_uploader.ts";
import type { DbWriter } from "../persist/db_writer.ts";
import type { Notifier } from "../notify/notifier.ts";
import type { PassRecord, SampleRow } from "../persist/records.ts";
import type { PipelineSink } from "../pipeline/sink.ts";
import type { MqttBridge } from "../publish/mqtt/bridge.ts";
import type { RealtimePublisher } from "../publish/publisher.ts";

export class LiveSink implements PipelineSink {
  constructor(
    readonly publisher: RealtimePublisher | null,
    readonly writer: DbWriter | null,
    readonly uploader: CropUploader,
    readonly mqtt: MqttBridge | null = null,
    readonly notifier: Notifier | null = null,
    readonly clips: ClipWorker | null = null,
  ) {}

  tick(camera: string, text: string): void {
    this.publisher?.publish(camera, text);
  }

  trackEvent(ev: TrackEvent): void {
    this.publisher?.publishEvent(ev.camera, JSON.stringify(ev));
    this.mqtt?.trackEvent(ev);
    this.writer?.addEvent({
      camera: ev.camera,
      track_id: (ev.after ?? ev.before)!.id,
      event: ev.event,
      ts: ev.ts,
      before: ev.before,
      after: ev.after,
    });
  }

  samples(rows: SampleRow[]): void {
    this.writer?.addSamples(rows);
  }

  async pass(
    p: PassRecord,
    jpeg: Uint8Array | null,
    original: Uint8Array | null = null,
  ): Promise<void> {
    // The crop and the clip job are durable (spooled) before the pass that names them, so a crash
    // in between loses neither; a clip job that cannot be spooled must not lose the pass.
    if (jpeg && p.image) await this.uploader.add(p.image, jpeg);
    if (original && p.image) await this.uploader.add(originalUri(p.image), original);
    await this.clips?.addPass(p).catch((e) =>
      console.error(`analyzer: clip of ${p.id} not queued: ${(e as Error).message}`)
    );
    await this.writer?.addPass(p);
    this.publisher?.publishEvent(p.camera, encodePassEvent(p));
    this.mqtt?.pass(p);
    // After the crop is spooled, so the image link works once it is uploaded.
    await this.notifier?.pass(p);
  }
}

/** Where a camera pipeline's results go: live (NOTIFY, Postgres, object store) or the CLI. */
import type { TrackEvent } from "../../shared/events.ts";
import type { PassRecord, SampleRow } from "../persist/records.ts";

export interface PipelineSink {
  /** The newest overlay tick (latest-state: may be dropped under load). */
  tick(camera: string, text: string): void;
  trackEvent(ev: TrackEvent): void;
  samples(rows: SampleRow[]): void;
  /**
   * A judged pass and its crop (JPEG) when one was taken; `original`: the unblurred crop of a
   * privacy camera with `keep_originals` (stored under originals/). Durable once this resolves.
   */
  pass(p: PassRecord, jpeg: Uint8Array | null, original?: Uint8Array | null): Promise<void>;
}

/** The object uri of a pass's crop: deterministic, so a replay writes the same object. */
export function passImageUri(
  bucket: string,
  camera: string,
  passId: string,
  exitedAt: number,
): string {
  const day = new Date(exitedAt).toISOString().slice(0, 10);
  return `minio://${bucket}/passes/${camera}/${day}/${passId.replace(/[^A-Za-z0-9._-]/g, "_")}.jpg`;
}

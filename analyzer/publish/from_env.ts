/**
 * Chooses the analyzer's realtime transport from the environment:
 * - `REALTIME=postgres` (default): `pg_notify` on DATABASE_URL, read by functions/relay.
 * - `REALTIME=supabase`: Supabase Realtime broadcast (`SUPABASE_URL`,
 *   `SUPABASE_SERVICE_ROLE_KEY`, optional `SUPABASE_REALTIME_PRIVATE=true`); the status row
 *   still goes to Postgres when DATABASE_URL is set.
 */
import { PgPublisher } from "./pg_publisher.ts";
import type { AnalyzerPublisher, CameraStatusRow, RealtimePublisher } from "./publisher.ts";
import { SupabaseBroadcastPublisher } from "./supabase_publisher.ts";

export function publisherFromEnv(
  env: (name: string) => string | undefined,
  databaseUrl: string | undefined,
  log: (msg: string) => void = () => {},
): AnalyzerPublisher | null {
  const kind = (env("REALTIME") ?? "postgres").toLowerCase();
  if (kind === "postgres") return databaseUrl ? new PgPublisher(databaseUrl, log) : null;
  if (kind !== "supabase") throw new Error(`REALTIME must be postgres or supabase, not ${kind}`);
  const url = env("SUPABASE_URL");
  const key = env("SUPABASE_SERVICE_ROLE_KEY");
  if (!url || !key) {
    throw new Error("REALTIME=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY");
  }
  const realtime = new SupabaseBroadcastPublisher({
    url,
    key,
    private: env("SUPABASE_REALTIME_PRIVATE") === "true",
    log,
  });
  const status = databaseUrl ? new PgPublisher(databaseUrl, log, { notify: false }) : null;
  return new BroadcastWithStatus(realtime, status);
}

/** A realtime transport other than Postgres, paired with the Postgres status row writer. */
export class BroadcastWithStatus implements AnalyzerPublisher {
  constructor(readonly realtime: RealtimePublisher, readonly status: PgPublisher | null) {}

  publish(camera: string, text: string): void {
    this.realtime.publish(camera, text);
  }

  publishEvent(camera: string, text: string): void {
    this.realtime.publishEvent(camera, text);
  }

  writeStatus(row: CameraStatusRow): void {
    this.status?.writeStatus(row);
  }

  /** Readiness needs both: the realtime channel and (when configured) the database. */
  get connected(): boolean {
    return this.realtime.connected && (this.status?.connected ?? true);
  }

  get lastError(): string {
    if (!this.realtime.connected) return this.realtime.lastError;
    return this.status && !this.status.connected ? this.status.lastError : "";
  }

  get published(): number {
    return this.realtime.published;
  }

  get dropped(): number {
    return this.realtime.dropped;
  }

  async close(): Promise<void> {
    await Promise.all([this.realtime.close(), this.status?.close()]);
  }
}

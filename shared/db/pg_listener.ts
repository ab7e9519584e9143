/**
 * One LISTEN connection per process, reconnecting with backoff when the database goes away.
 * Every notification on the channel is handed to `onPayload`.
 */
import pg from "./pg.ts";
import { longLivedClientConfig, probeConnection } from "./pg_liveness.ts";

export interface PgListener {
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export function listen(
  databaseUrl: string,
  channel: string,
  onPayload: (payload: string) => void,
  opts: { log?: (msg: string) => void; maxBackoffMs?: number; probeEveryMs?: number } = {},
): PgListener {
  let client: InstanceType<typeof pg.Client> | null = null;
  let closed = false;
  let connected = false;
  let backoff = 250;
  const maxBackoff = opts.maxBackoffMs ?? 5_000;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopProbing = () => {};

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client(longLivedClientConfig(databaseUrl));
    client = c;
    c.on("notification", (n) => {
      if (n.channel === channel && n.payload !== undefined) onPayload(n.payload);
    });
    const lost = (why: string) => {
      if (client !== c) return;
      stopProbing();
      client = null;
      connected = false;
      c.end().catch(() => {});
      if (closed) return;
      opts.log?.(`listen ${channel}: ${why}; retrying in ${backoff} ms`);
      retryTimer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, maxBackoff);
    };
    c.on("error", (e) => lost(e.message));
    c.on("end", () => lost("connection ended"));
    try {
      await c.connect();
      await c.query(`listen ${_ident(channel)}`);
      if (client !== c) return;
      // Notifications only arrive: without a question now and then, a database that went silent
      // would look like a quiet channel.
      stopProbing = probeConnection(c, lost, opts.probeEveryMs);
      connected = true;
      backoff = 250;
    } catch (e) {
      lost((e as Error).message);
    }
  };
  connect();

  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      stopProbing();
      const c = client;
      client = null;
      connected = false;
      await c?.end().catch(() => {});
    },
  };
}

function _ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad channel name: ${name}`);
  return name;
}

/**
 * A database that stops answering without closing its connections (its host hangs, a network
 * drops packets without a reset) looks connected to a client for as long as TCP keeps trying:
 * a query in flight hangs ~15 min until the kernel gives up on the retransmissions, and an idle
 * LISTEN connection looks up for hours (Linux starts TCP keepalive after 2 h idle). The long-lived
 * connections (the analyzer's publisher, every LISTEN) therefore bound how long a connect and an
 * answer may take, and ask a trivial question when idle, so such a database shows as unreachable
 * in seconds and the connection is replaced (the live test freezes Postgres with SIGSTOP:
 * analyzer/publish/pg_publisher_test.ts, shared/db/pg_listener_test.ts).
 */
import type pg from "./pg.ts";

type _Client = InstanceType<typeof pg.Client>;

/** A connect that takes longer is given up (the one-shot clients use the same 3 s). */
export const CONNECT_TIMEOUT_MS = 3_000;
/** A query unanswered this long means the database is gone: a notify takes ~1 ms here. */
export const ANSWER_TIMEOUT_MS = 5_000;
/** An idle connection is asked `select 1` this often (detection within this + the timeout). */
export const PROBE_EVERY_MS = 10_000;

/** `pg.Client` settings for a connection held open for the life of the process. */
export function longLivedClientConfig(connectionString: string) {
  return {
    connectionString,
    keepAlive: true,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: ANSWER_TIMEOUT_MS,
  };
}

/** True for the error of a query that got no answer within `ANSWER_TIMEOUT_MS`. */
export function isUnanswered(e: unknown): boolean {
  return e instanceof Error && e.message === "Query read timeout";
}

/**
 * Ask `select 1` on `client` every `PROBE_EVERY_MS`; call `onDead` (once) when one fails or gets
 * no answer. Returns the function that stops probing.
 */
export function probeConnection(
  client: _Client,
  onDead: (why: string) => void,
  everyMs = PROBE_EVERY_MS,
): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    client.query("select 1").catch((e) => {
      if (stopped) return;
      stop();
      onDead(isUnanswered(e) ? `no answer in ${ANSWER_TIMEOUT_MS} ms` : (e as Error).message);
    });
  }, everyMs);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/**
 * A token bucket per client for writes: `perMinute` tokens refill continuously, up to `burst`
 * saved. Over the limit -> 429 with Retry-After (seconds until the next token). It runs after
 * authentication (api_app.ts), so the client is the token's subject: behind a TLS proxy every
 * request comes from the proxy's address, and anonymous requests must not use up an operator's
 * budget. Requests without claims (auth off, or routes that authenticate themselves) are keyed by
 * client IP (client_ip.ts: X-Forwarded-For only from STOPLINE_TRUSTED_PROXIES).
 * State is per process: on an edge host each instance limits on its own, which still caps a
 * single client's write rate to a small multiple of the setting.
 */
import type { Context, MiddlewareHandler } from "hono";
import { DEV_SUBJECT } from "./auth.ts";
import { clientIp, trustedProxiesFromEnv } from "./client_ip.ts";

export interface RateLimitOptions {
  /** Sustained writes per minute per client. */
  perMinute: number;
  /** Writes a client may make at once after being idle. */
  burst: number;
  /** Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs; default none). */
  trustedProxies?: readonly string[];
  /** The bucket of a request (default: the token subject, else the client IP). */
  key?: (c: Context) => string;
  /** Only these methods are limited (default: everything but GET/HEAD/OPTIONS). */
  methods?: readonly string[];
  now?: () => number;
  /** Buckets kept before idle (full) ones are forgotten. */
  maxClients?: number;
}

export const DEFAULT_WRITE_LIMIT = { perMinute: 30, burst: 10 } as const;

export function rateLimitFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): RateLimitOptions {
  return { ...DEFAULT_WRITE_LIMIT, trustedProxies: trustedProxiesFromEnv(env) };
}

interface _Bucket {
  tokens: number;
  at: number;
}

const READS = ["GET", "HEAD", "OPTIONS"];

/** Token buckets by key, with bounded memory: the state behind `rateLimit` and failure limits. */
export class TokenBuckets {
  readonly #buckets = new Map<string, _Bucket>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor(opts: Pick<RateLimitOptions, "perMinute" | "burst" | "now" | "maxClients">) {
    this.#perMs = opts.perMinute / 60_000;
    this.#burst = opts.burst;
    this.#maxClients = opts.maxClients ?? 10_000;
    this.#now = opts.now ?? (() => Date.now());
  }

  /** Seconds until `key` has a token again (0 = it has one now). */
  retryAfterS(key: string): number {
    const b = this.#bucket(key);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000));
  }

  /** Spend one token of `key` (its bucket may go below one). */
  take(key: string): void {
    this.#bucket(key).tokens -= 1;
  }

  #bucket(key: string): _Bucket {
    const t = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxClients) {
        _forgetIdle(this.#buckets, t, this.#refill, this.#burst, this.#maxClients);
      }
      b = { tokens: this.#burst, at: t };
      this.#buckets.set(key, b);
    }
    this.#refill(b, t);
    return b;
  }

  #refill = (b: _Bucket, t: number) => {
    b.tokens = Math.min(this.#burst, b.tokens + (t - b.at) * this.#perMs);
    b.at = t;
  };
}

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler {
  const buckets = new TokenBuckets(opts);
  const limited = (m: string) => (opts.methods ? opts.methods.includes(m) : !READS.includes(m));
  return async (c, next) => {
    if (!limited(c.req.method)) return await next();
    const key = opts.key?.(c) ?? subjectOrIp(c, opts.trustedProxies ?? []);
    const retryS = buckets.retryAfterS(key);
    if (retryS > 0) {
      return c.json({ error: "too many requests", retry_after_s: retryS }, 429, {
        "retry-after": String(retryS),
      });
    }
    buckets.take(key);
    await next();
  };
}

/** Memory stays bounded: clients whose bucket refilled completely lose nothing by being dropped. */
function _forgetIdle(
  buckets: Map<string, _Bucket>,
  t: number,
  refill: (b: _Bucket, t: number) => void,
  burst: number,
  maxClients: number,
): void {
  for (const [k, b] of buckets) {
    refill(b, t);
    if (b.tokens >= burst) buckets.delete(k);
  }
  if (buckets.size < maxClients) return;
  // Still full of active clients: drop the oldest half rather than grow without bound.
  let drop = Math.ceil(buckets.size / 2);
  for (const k of buckets.keys()) {
    if (drop-- <= 0) break;
    buckets.delete(k);
  }
}

/** `sub:<subject>` for an authenticated request, else `ip:<client address>`. */
export function subjectOrIp(c: Context, trustedProxies: readonly string[]): string {
  const claims = c.get("claims" as never) as { sub?: string; role?: string } | undefined;
  // With auth off every request carries the same dev claims: those are keyed by address too.
  if (claims?.sub && claims.sub !== DEV_SUBJECT) return `sub:${claims.sub}`;
  return `ip:${clientIp(c, trustedProxies)}`;
}

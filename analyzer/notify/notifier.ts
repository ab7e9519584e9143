/**
 * The notifier: every judged pass is matched against the `notifications:` rules of the config
 * (shared/notify_rules.ts); a match within the rule's rate limit becomes a webhook delivery in the
 * durable queue (webhook_queue.ts) or a Web Push to the subscribed browsers (push_sender.ts).
 * Webhooks are sent by one loop, retried with exponential backoff (base × 2^attempts, capped)
 * until `maxAttempts`, and never to a refused address (shared/notify_address.ts). Nothing here
 * blocks or fails the pipeline: errors are logged and counted.
 */
import { metricLines } from "../../shared/metrics.ts";
import {
  type AllowNets,
  resolvedProblem,
  type Resolver,
  systemResolver,
} from "../../shared/notify_address.ts";
import { type NotifyRule, ruleMatches } from "../../shared/notify_rules.ts";
import { registerSecret } from "../../shared/redact.ts";
import type { PassRecord } from "../persist/records.ts";
import type { PushSender } from "./push_sender.ts";
import { type WebhookJob, WebhookQueue } from "./webhook_queue.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from "./webhook_sign.ts";

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** 2 s, 4 s, … capped at 15 min; 12 attempts span about an hour and a half. */
export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 2_000, maxMs: 900_000, maxAttempts: 12 };

export interface NotifierOptions {
  /** The queue's directory (`<STOPLINE_DATA_DIR>/spool/notify`). */
  dir: string;
  rules: NotifyRule[];
  env: (name: string) => string | undefined;
  allowNets: AllowNets;
  log: (msg: string) => void;
  /** Origin of the API for image links (`STOPLINE_PUBLIC_URL`); absent: a path. */
  publicUrl?: string | null;
  push?: PushSender | null;
  backoff?: BackoffSettings;
  /** How often the queue is looked at when nothing wakes the loop. */
  pollMs?: number;
  /** One POST's time limit. */
  timeoutMs?: number;
  /** Delivered markers are kept this long (duplicate protection), default 7 days. */
  keepMs?: number;
  resolve?: Resolver;
}

interface _RuleCounters {
  sent: number;
  failed: number;
  dropped: number;
  given_up: number;
}

/** The image link of a pass: `<public url>/api/passes/<id>/image` (the passes API serves it). */
export function passImageUrl(p: { id: string; image: string | null }, publicUrl?: string | null) {
  if (!p.image) return null;
  const path = `/api/passes/${encodeURIComponent(p.id)}/image`;
  return publicUrl ? `${publicUrl.replace(/\/+$/, "")}${path}` : path;
}

/** The JSON a webhook carries (without `delivery_id` and `sent_at`, added per attempt). */
export function webhookPayload(
  rule: string,
  p: PassRecord,
  publicUrl?: string | null,
): Record<string, unknown> {
  // The stored crop's object-store uri is internal; quality figures and samples are bulky.
  const { quality: _q, samples: _s, image: _i, ...pass } = p;
  return {
    v: 1,
    type: "pass",
    rule,
    camera: p.camera,
    pass,
    image_url: passImageUrl(p, publicUrl),
  };
}

export class Notifier {
  readonly queue: WebhookQueue;
  #rules: NotifyRule[];
  #recent = new Map<string, number[]>();
  #counters = new Map<string, _RuleCounters>();
  #pending = 0;
  #closed = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #backoff: BackoffSettings;

  constructor(readonly opts: NotifierOptions) {
    this.queue = new WebhookQueue(opts.dir);
    this.#rules = opts.rules;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  /** New rules from a config reload; queued deliveries of removed rules are given up. */
  setRules(rules: NotifyRule[]): void {
    this.#rules = rules;
  }

  /** Start the delivery loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Match a judged pass; queue webhooks, send pushes. Resolves once its webhook deliveries are
   * durable (pushes go on in the background).
   */
  async pass(p: PassRecord, nowMs = Date.now()): Promise<void> {
    let queued = false;
    for (const rule of this.#rules) {
      if (!ruleMatches(rule, p)) continue;
      if (!this.#allowRate(rule, nowMs)) {
        this.#count(rule.name).dropped++;
        continue;
      }
      if (rule.webhook) {
        try {
          queued = await this.queue.enqueue({
            key: `${rule.name}:${p.id}`,
            rule: rule.name,
            payload: webhookPayload(rule.name, p, this.opts.publicUrl),
            attempts: 0,
            next_at_ms: nowMs,
            created_at_ms: nowMs,
          }) || queued;
        } catch (e) {
          this.opts.log(`notify: cannot queue ${rule.name} for ${p.id}: ${(e as Error).message}`);
        }
      } else if (rule.push && this.opts.push) {
        this.opts.push.send(p, passImageUrl(p, null)).then(
          (r) => {
            this.#count(rule.name).sent += r.sent;
            this.#count(rule.name).failed += r.failed;
          },
          (e) => this.opts.log(`notify: push for ${p.id} failed: ${(e as Error).message}`),
        );
      }
    }
    if (queued) this.#wake?.();
  }

  /** Send every due delivery once (the loop calls this; tests may too). */
  async runOnce(nowMs = Date.now()): Promise<void> {
    const due = await this.queue.due(nowMs);
    for (const job of due) {
      if (this.#closed) return;
      await this.#deliver(job);
    }
    this.#pending = (await this.queue.pending()).length;
  }

  /** Stop the loop after the delivery in flight; queued ones stay on disk for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
  }

  metrics(): string {
    const rows = [...this.#counters.entries()];
    const per = (k: keyof _RuleCounters) =>
      rows.map(([rule, c]) => ({ labels: { rule }, value: c[k] }));
    return metricLines(
      "stopline_notify_sent_total",
      "counter",
      "Notifications delivered (webhook POSTs answered 2xx, pushes accepted).",
      per("sent"),
    ) +
      metricLines(
        "stopline_notify_failed_total",
        "counter",
        "Failed delivery attempts.",
        per("failed"),
      ) +
      metricLines(
        "stopline_notify_dropped_total",
        "counter",
        "Matching passes dropped by the rule's max_per_minute.",
        per("dropped"),
      ) +
      metricLines(
        "stopline_notify_given_up_total",
        "counter",
        "Webhook deliveries given up (attempts exhausted, address refused, rule removed).",
        per("given_up"),
      ) +
      metricLines("stopline_notify_pending", "gauge", "Webhook deliveries waiting in the queue.", [
        { value: this.#pending },
      ]);
  }

  async #run(): Promise<void> {
    let lastPrune = 0;
    while (!this.#closed) {
      try {
        await this.runOnce();
        if (Date.now() - lastPrune > 3_600_000) {
          lastPrune = Date.now();
          await this.queue.prune(this.opts.keepMs ?? 7 * 86_400_000);
        }
      } catch (e) {
        this.opts.log(`notify: queue error: ${(e as Error).message}`);
      }
      if (this.#closed) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.pollMs ?? 1_000);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async #deliver(job: WebhookJob): Promise<void> {
    const rule = this.#rules.find((r) => r.name === job.rule);
    const giveUp = async (why: string) => {
      this.opts.log(`notify: giving up ${job.key}: ${why}`);
      this.#count(job.rule).given_up++;
      await this.queue.markFailed({ ...job, last_error: why });
    };
    if (!rule?.webhook) return await giveUp("the rule is gone or no longer a webhook");
    const secret = this.opts.env(rule.webhook.secret_env);
    let error: string;
    if (!secret) {
      error = `${rule.webhook.secret_env} is not set`;
    } else {
      registerSecret(secret);
      const refused = await resolvedProblem(
        rule.webhook.url,
        "webhook",
        this.opts.allowNets,
        this.opts.resolve ?? systemResolver,
      );
      if (refused) return await giveUp(refused);
      const sentAt = new Date();
      const body = JSON.stringify({
        ...job.payload,
        delivery_id: job.key,
        sent_at: sentAt.toISOString(),
      });
      try {
        const res = await fetch(rule.webhook.url, {
          method: "POST",
          body,
          // A redirect could point anywhere (an address the checks above refuse): not followed.
          redirect: "manual",
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
          headers: {
            "content-type": "application/json",
            "user-agent": "stopline-notify/1",
            [SIGNATURE_HEADER]: await signBody(secret, body),
            [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
            [DELIVERY_HEADER]: job.key,
          },
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) {
          await this.queue.markDelivered(job);
          this.#count(job.rule).sent++;
          return;
        }
        error = `HTTP ${res.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    this.#count(job.rule).failed++;
    const attempts = job.attempts + 1;
    if (attempts >= this.#backoff.maxAttempts) {
      return await giveUp(`${attempts} attempts, last: ${error}`);
    }
    const delay = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** job.attempts);
    await this.queue.reschedule({
      ...job,
      attempts,
      next_at_ms: Date.now() + delay,
      last_error: error,
    });
  }

  #allowRate(rule: NotifyRule, nowMs: number): boolean {
    const recent = (this.#recent.get(rule.name) ?? []).filter((t) => nowMs - t < 60_000);
    const ok = recent.length < rule.max_per_minute;
    if (ok) recent.push(nowMs);
    this.#recent.set(rule.name, recent);
    return ok;
  }

  #count(rule: string): _RuleCounters {
    let c = this.#counters.get(rule);
    if (!c) this.#counters.set(rule, c = { sent: 0, failed: 0, dropped: 0, given_up: 0 });
    return c;
  }
}

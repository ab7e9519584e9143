/**
 * Notification rules of the settings file (`notifications:`, ARCHITECTURE §4b): which passes
 * notify whom. A rule matches a pass by camera, verdict, local hour of day and (when the camera
 * is calibrated) speed; its target is a webhook or Web Push to the subscribed browsers.
 * Webhook secrets never sit in the file: `secret_env` names a `STOPLINE_HOOK_*` variable of the
 * analyzer's environment (shared/config_env.ts lets `${STOPLINE_HOOK_*}` into URLs too).
 */
import { z } from "zod";
import { VerdictSchema } from "./verdict.ts";
import { notifyUrlProblem } from "./notify_address.ts";

const cameraId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

function _validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// Schema-level URL check: scheme and credentials only; addresses are judged with the env.
const _allowAll = [{ bytes: new Uint8Array(4), prefix: 0 }, {
  bytes: new Uint8Array(16),
  prefix: 0,
}];

export const WebhookTargetSchema = z.object({
  /** http(s); no credentials; never a loopback, link-local or metadata address (SSRF). */
  url: z.string().max(2048).superRefine((url, ctx) => {
    // Addresses are judged by parseConfigYaml and by the sender, under the deployment's
    // STOPLINE_NOTIFY_ALLOW_NETS; here only what no deployment allows.
    if (url.includes("${")) return; // a reference, checked once substituted
    const problem = notifyUrlProblem(url, "webhook", _allowAll);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  /** Name of the variable holding the HMAC key: `STOPLINE_HOOK_<NAME>`. */
  secret_env: z.string().regex(
    /^STOPLINE_HOOK_[A-Z0-9_]{1,64}$/,
    "must name a STOPLINE_HOOK_* variable (the secret itself never goes in the file)",
  ),
}).strict();

export const NotifyRuleSchema = z.object({
  /** Names the rule in deliveries, metrics and logs; part of the idempotency key. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Absent: every camera. */
  cameras: z.array(cameraId).min(1).optional(),
  /** Absent: every verdict. */
  verdicts: z.array(VerdictSchema).min(1).optional(),
  /**
   * Local hours [from, to) of the pass's exit; wraps past midnight when from > to
   * (`{from: 22, to: 6}`). Absent: all day.
   */
  hours: z.object({
    from: z.number().int().min(0).max(23),
    to: z.number().int().min(1).max(24),
  }).strict().refine((h) => h.from !== h.to, "from and to must differ").optional(),
  /** IANA zone for `hours` (default: the analyzer's local zone, TZ). */
  time_zone: z.string().refine(_validTimeZone, "unknown time zone").optional(),
  /**
   * Only passes that entered the zone at least this fast (m/s). Needs a calibrated camera: a
   * pass without `entry_speed_mps` never matches a rule with this condition.
   */
  min_speed_mps: z.number().nonnegative().optional(),
  /** At most this many notifications per minute; more matching passes are dropped (counted). */
  max_per_minute: z.number().int().positive().max(600).default(10),
  webhook: WebhookTargetSchema.optional(),
  /** Web Push to every subscribed browser allowed to see the camera. */
  push: z.literal(true).optional(),
}).strict().refine(
  (r) => (r.webhook ? 1 : 0) + (r.push ? 1 : 0) === 1,
  "a rule has exactly one target: webhook or push: true",
);

export const NotificationsSchema = z.array(NotifyRuleSchema).max(64).refine(
  (rules) => new Set(rules.map((r) => r.name)).size === rules.length,
  "rule names must be unique",
);

export type NotifyRule = z.infer<typeof NotifyRuleSchema>;

/** The pass fields a rule looks at (m/s only once the camera is calibrated). */
export interface MatchablePass {
  camera: string;
  verdict: string;
  /** Unix ms. */
  exited_at: number;
  entry_speed_mps?: number | null;
}

/** The hour of day (0–23) of `ms` in `timeZone` (default: the process's zone). */
export function localHour(ms: number, timeZone?: string): number {
  const h = new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone })
    .format(new Date(ms));
  return Number(h) % 24;
}

/** Whether `hour` is in [from, to), wrapping past midnight when from > to. */
export function inHours(hour: number, hours: { from: number; to: number }): boolean {
  return hours.from < hours.to
    ? hour >= hours.from && hour < hours.to
    : hour >= hours.from || hour < hours.to;
}

/** Whether the pass meets every condition of the rule. */
export function ruleMatches(rule: NotifyRule, pass: MatchablePass): boolean {
  if (rule.cameras && !rule.cameras.includes(pass.camera)) return false;
  if (rule.verdicts && !(rule.verdicts as string[]).includes(pass.verdict)) return false;
  if (rule.hours && !inHours(localHour(pass.exited_at, rule.time_zone), rule.hours)) return false;
  if (rule.min_speed_mps !== undefined) {
    const v = pass.entry_speed_mps;
    if (typeof v !== "number" || !(v >= rule.min_speed_mps)) return false;
  }
  return true;
}

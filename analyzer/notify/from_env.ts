/**
 * The notifier from the environment and the config's `notifications:` rules.
 *
 *   STOPLINE_HOOK_*              webhook secrets (and URL tokens), named by the rules
 *   STOPLINE_NOTIFY_ALLOW_NETS   CIDRs allowed despite the SSRF refusals (shared/notify_address.ts)
 *   STOPLINE_PUBLIC_URL          origin of the API for image links in webhooks (else a path)
 *   STOPLINE_VAPID_PUBLIC_KEY    Web Push (with PRIVATE_KEY, SUBJECT and DATABASE_URL); all
 *   STOPLINE_VAPID_PRIVATE_KEY   three or none: `deno run -A npm:web-push@3.6.7
 *   STOPLINE_VAPID_SUBJECT       generate-vapid-keys` makes a pair; subject: mailto: or https:
 */
import pg from "../../shared/db/pg.ts";
import { allowNetsFromEnv } from "../../shared/notify_address.ts";
import type { NotifyRule } from "../../shared/notify_rules.ts";
import { registerSecret } from "../../shared/redact.ts";
import { Notifier } from "./notifier.ts";
import { PushSender, type VapidKeys } from "./push_sender.ts";
import { PgPushStore } from "./push_store.ts";

export interface NotifierEnvOptions {
  /** The queue's directory. */
  dir: string;
  rules: NotifyRule[];
  databaseUrl?: string;
  log: (msg: string) => void;
}

/** VAPID keys from the environment; null when none is set; throws when only some are. */
export function vapidFromEnv(env: (name: string) => string | undefined): VapidKeys | null {
  const publicKey = env("STOPLINE_VAPID_PUBLIC_KEY") ?? "";
  const privateKey = env("STOPLINE_VAPID_PRIVATE_KEY") ?? "";
  const subject = env("STOPLINE_VAPID_SUBJECT") ?? "";
  const set = [publicKey, privateKey, subject].filter(Boolean).length;
  if (set === 0) return null;
  if (set < 3) {
    throw new Error(
      "Web Push needs STOPLINE_VAPID_PUBLIC_KEY, STOPLINE_VAPID_PRIVATE_KEY and " +
        "STOPLINE_VAPID_SUBJECT together",
    );
  }
  if (!/^(mailto:|https:\/\/)/.test(subject)) {
    throw new Error("STOPLINE_VAPID_SUBJECT must be a mailto: or https: URL");
  }
  registerSecret(privateKey);
  return { publicKey, privateKey, subject };
}

export function notifierFromEnv(
  env: (name: string) => string | undefined,
  opts: NotifierEnvOptions,
): { notifier: Notifier; close(): Promise<void> } {
  const allowNets = allowNetsFromEnv(env);
  const vapid = vapidFromEnv(env);
  let pool: InstanceType<typeof pg.Pool> | null = null;
  let push: PushSender | null = null;
  if (vapid && opts.databaseUrl) {
    pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 });
    pool.on("error", (e) => opts.log(`push: database: ${e.message}`));
    push = new PushSender({ vapid, store: new PgPushStore(pool), allowNets, log: opts.log });
  } else if (opts.rules.some((r) => r.push)) {
    opts.log(
      "notify: push rules are configured but Web Push is off (needs the STOPLINE_VAPID_* " +
        "variables and DATABASE_URL)",
    );
  }
  const notifier = new Notifier({
    dir: opts.dir,
    rules: opts.rules,
    env,
    allowNets,
    log: opts.log,
    publicUrl: env("STOPLINE_PUBLIC_URL") || null,
    push,
  });
  return {
    notifier,
    close: async () => {
      await notifier.close();
      await pool?.end().catch(() => {});
    },
  };
}

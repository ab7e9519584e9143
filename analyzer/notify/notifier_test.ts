/**
 * Webhooks against a real local receiver: signed bodies, retries with backoff after 500s, the
 * durable queue across a restart of the notifier (no duplicate, nothing lost), the per-rule rate
 * limit, redirects not followed, and refused addresses never contacted.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../dev/testing/wait.ts";
import { allowNetsFromEnv } from "../../shared/notify_address.ts";
import { type NotifyRule, NotifyRuleSchema } from "../../shared/notify_rules.ts";
import type { PassRecord } from "../persist/records.ts";
import { testPassRecord } from "../persist/testing.ts";
import { Notifier } from "./notifier.ts";
import { startReceiver } from "./testing_receiver.ts";
import { verifySignature } from "./webhook_sign.ts";

const SECRET = "hook-secret-for-the-test";
const ENV: Record<string, string> = {
  STOPLINE_HOOK_TEST: SECRET,
  STOPLINE_NOTIFY_ALLOW_NETS: "127.0.0.0/8",
};
const env = (n: string) => ENV[n];
const FAST = { baseMs: 40, maxMs: 200, maxAttempts: 4 };

function _pass(
  i: number,
  camera = "cam_01",
  verdict: PassRecord["verdict"] = "no_stop",
): PassRecord {
  return testPassRecord(i, {
    camera,
    verdict,
    stop_duration_s: 0,
    min_speed_px_s: 30,
    image: i % 2 ? `minio://stopline/passes/${camera}/${i}.jpg` : null,
    quality: { samples: 40 },
    samples: [{ ts: 1, cx: 2, cy: 3, speed_px_s: 4 }],
  });
}

function _rule(url: string, extra: Record<string, unknown> = {}): NotifyRule {
  return NotifyRuleSchema.parse({
    name: "runs",
    cameras: ["cam_01"],
    verdicts: ["no_stop"],
    webhook: { url, secret_env: "STOPLINE_HOOK_TEST" },
    ...extra,
  });
}

function _notifier(dir: string, rules: NotifyRule[]) {
  const lines: string[] = [];
  const n = new Notifier({
    dir,
    rules,
    env,
    allowNets: allowNetsFromEnv(env),
    log: (m) => lines.push(m),
    publicUrl: "https://stop.example.org/",
    backoff: FAST,
    pollMs: 20,
  });
  return { n, lines };
}

Deno.test("webhooks: signed, retried after 500s, exactly once across a notifier restart", async () => {
  const rx = startReceiver();
  const dir = await Deno.makeTempDir();
  try {
    // 1. Two 500s, then 200: three attempts with one delivery id, each signed.
    rx.answer(500);
    const a = _notifier(dir, [_rule(rx.url)]);
    await a.n.pass(_pass(1));
    await a.n.pass(_pass(2, "cam_02")); // another camera: no rule matches
    await a.n.pass(_pass(3, "cam_01", "full_stop")); // another verdict: no match
    a.n.start();
    await waitFor("two failed attempts", () => rx.got.length >= 2, 5_000, 10);
    rx.answer(200);
    await waitFor("the delivery", () => rx.got.some((g) => g.status === 200), 5_000, 10);
    // The receiver logs the request before the notifier has read its answer: wait for that too.
    await waitFor(
      "the delivery counted",
      () => /stopline_notify_sent_total\{rule="runs"\} 1/.test(a.n.metrics()),
      5_000,
      10,
    );
    assert.equal(rx.got.length, 3);
    const ids = new Set(rx.got.map((g) => g.headers.get("x-stopline-delivery")));
    assert.deepEqual([...ids], ["runs:cam_01:1000:1"]);
    for (const g of rx.got) {
      assert.equal(
        await verifySignature(SECRET, g.body, g.headers.get("x-stopline-signature")),
        true,
      );
      assert.equal(
        await verifySignature("wrong", g.body, g.headers.get("x-stopline-signature")),
        false,
      );
      const body = JSON.parse(g.body);
      assert.equal(
        String(Math.floor(Date.parse(body.sent_at) / 1000)),
        g.headers.get("x-stopline-timestamp"),
      );
    }
    const body = JSON.parse(rx.got[2].body);
    assert.equal(body.rule, "runs");
    assert.equal(body.pass.id, "cam_01:1000:1");
    assert.equal(body.pass.verdict, "no_stop");
    assert.equal(body.pass.quality, undefined);
    assert.equal(body.pass.image, undefined); // the internal object-store uri stays inside
    assert.equal(body.image_url, "https://stop.example.org/api/passes/cam_01%3A1000%3A1/image");
    assert.match(a.n.metrics(), /stopline_notify_sent_total\{rule="runs"\} 1/);
    assert.match(a.n.metrics(), /stopline_notify_failed_total\{rule="runs"\} 2/);

    // 2. The receiver goes down; a new pass is queued and fails once; the notifier stops.
    rx.answer(500);
    await a.n.pass(_pass(5));
    await waitFor("a failed attempt", () => rx.got.length >= 4, 5_000, 10);
    await a.n.close();
    // The same pass judged again (a replay) is not queued a second time.
    await a.n.pass(_pass(1));
    assert.equal((await a.n.queue.pending()).map((j) => j.key).join(), "runs:cam_01:1000:5");

    // 3. A new notifier on the same directory (a restart) delivers the queued one, once.
    rx.answer(200);
    const b = _notifier(dir, [_rule(rx.url)]);
    await b.n.pass(_pass(1)); // delivered before the restart: not sent again
    b.n.start();
    await waitFor(
      "the queued delivery after the restart",
      () => rx.got.some((g) => g.status === 200 && g.body.includes("cam_01:1000:5")),
      5_000,
      10,
    );
    await new Promise((r) => setTimeout(r, 150)); // room for a wrong duplicate to show
    await b.n.close();
    const delivered = rx.got.filter((g) => g.status === 200)
      .map((g) => g.headers.get("x-stopline-delivery"));
    assert.deepEqual(delivered, ["runs:cam_01:1000:1", "runs:cam_01:1000:5"]);
    assert.deepEqual(await b.n.queue.pending(), []);
  } finally {
    await rx.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("webhooks: rate limit per rule, redirects not followed, give-up, refused addresses", async () => {
  const rx = startReceiver();
  const dir = await Deno.makeTempDir();
  try {
    // At most 2 a minute: of 4 matching passes, 2 are queued and 2 dropped (counted).
    const limited = _notifier(dir, [_rule(rx.url, { max_per_minute: 2 })]);
    for (let i = 11; i <= 14; i++) await limited.n.pass(_pass(i), 1_000_000 + i);
    assert.equal((await limited.n.queue.pending()).length, 2);
    assert.match(limited.n.metrics(), /stopline_notify_dropped_total\{rule="runs"\} 2/);
    // A minute later the window has room again.
    await limited.n.pass(_pass(15), 1_000_000 + 61_000);
    assert.equal((await limited.n.queue.pending()).length, 3);

    // A redirect is a failure (not followed to where it points); attempts run out: given up.
    rx.answer(302);
    limited.n.start();
    await waitFor(
      "all three given up",
      async () => (await limited.n.queue.pending()).length === 0,
      10_000,
      20,
    );
    await limited.n.close();
    assert.equal(rx.got.length, 3 * FAST.maxAttempts);
    assert.ok(rx.got.every((g) => g.status === 302));
    assert.match(limited.n.metrics(), /stopline_notify_given_up_total\{rule="runs"\} 3/);
    assert.equal((await Array.fromAsync(Deno.readDir(`${dir}/failed`))).length, 3);

    // A metadata address (a rule that bypassed the config checks) is never contacted.
    const dir2 = await Deno.makeTempDir();
    const meta = _notifier(dir2, [_rule("http://169.254.169.254/latest/meta-data/")]);
    await meta.n.pass(_pass(21));
    await meta.n.runOnce();
    assert.equal((await meta.n.queue.pending()).length, 0);
    assert.match(meta.lines.join("\n"), /giving up runs:cam_01:1000:21: refused/);
    assert.match(meta.n.metrics(), /stopline_notify_failed_total\{rule="runs"\} 0/);
    await Deno.remove(dir2, { recursive: true });

    // A missing secret: not sent unsigned; retried (the variable may be set by a restart).
    const dir3 = await Deno.makeTempDir();
    const rule = NotifyRuleSchema.parse({
      name: "nosecret",
      webhook: { url: rx.url, secret_env: "STOPLINE_HOOK_MISSING" },
    });
    const before = rx.got.length;
    const ns = _notifier(dir3, [rule]);
    await ns.n.pass(_pass(31));
    await ns.n.runOnce();
    assert.equal(rx.got.length, before);
    const [job] = await ns.n.queue.pending();
    assert.equal(job.attempts, 1);
    assert.equal(job.last_error, "STOPLINE_HOOK_MISSING is not set");
    await Deno.remove(dir3, { recursive: true });
  } finally {
    await rx.close();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { allowNetsFromEnv, ipBytes, notifyUrlProblem, resolvedProblem } from "./notify_address.ts";

const none = allowNetsFromEnv(() => undefined);

Deno.test("notify address: IP literals parse, v4, v6, compressed and mapped", () => {
  assert.deepEqual([...ipBytes("169.254.169.254")!], [169, 254, 169, 254]);
  assert.equal(ipBytes("256.1.1.1"), null);
  assert.equal(ipBytes("example.com"), null);
  assert.deepEqual([...ipBytes("::1")!], [...Array(15).fill(0), 1]);
  assert.deepEqual([...ipBytes("[fe80::1]")!].slice(0, 2), [0xfe, 0x80]);
  assert.deepEqual([...ipBytes("::ffff:169.254.1.2")!].slice(10), [255, 255, 169, 254, 1, 2]);
  assert.equal(ipBytes("1:2:3"), null);
});

Deno.test("notify address: metadata, link-local and loopback refused; LAN allowed for webhooks only", () => {
  for (
    const url of [
      "http://169.254.169.254/latest/meta-data/",
      "http://[fe80::1]/x",
      "http://127.0.0.1:8001/metrics",
      "http://[::ffff:169.254.169.254]/",
      "http://100.100.100.200/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://localhost:5432/",
      "http://0.0.0.0/",
      // Other spellings of the metadata address (the URL parser normalizes them).
      "http://169.254.169.254./",
      "http://2852039166/",
      "http://0xA9FEA9FE/",
      "http://0251.0376.0251.0376/",
      "http://[::ffff:a9fe:a9fe]/",
    ]
  ) {
    assert.match(notifyUrlProblem(url, "webhook", none) ?? "", /refused/, url);
  }
  assert.equal(notifyUrlProblem("http://192.168.1.20:8123/api/webhook/x", "webhook", none), null);
  assert.equal(notifyUrlProblem("https://hooks.example.com/x", "webhook", none), null);
  assert.match(notifyUrlProblem("ftp://x.example/", "webhook", none)!, /scheme/);
  assert.match(notifyUrlProblem("https://u:p@x.example/", "webhook", none)!, /credentials/);
  // Push endpoints: https on the internet only.
  assert.match(notifyUrlProblem("http://push.example.com/x", "push", none)!, /scheme/);
  assert.match(notifyUrlProblem("https://192.168.1.20/x", "push", none)!, /private/);
  assert.equal(notifyUrlProblem("https://fcm.googleapis.com/fcm/send/abc", "push", none), null);
});

Deno.test("notify address: STOPLINE_NOTIFY_ALLOW_NETS lifts the refusal for its networks only", () => {
  const allow = allowNetsFromEnv((n) =>
    n === "STOPLINE_NOTIFY_ALLOW_NETS" ? "127.0.0.0/8, bad, ::1/128" : undefined
  );
  assert.equal(notifyUrlProblem("http://127.0.0.1:9000/hook", "webhook", allow), null);
  assert.equal(notifyUrlProblem("http://[::1]:9000/hook", "webhook", allow), null);
  assert.match(notifyUrlProblem("http://169.254.169.254/", "webhook", allow)!, /refused/);
});

Deno.test("notify address: a name resolving to a metadata address is refused when sending", async () => {
  const resolve = (host: string) =>
    Promise.resolve(
      host === "evil.example" ? ["93.184.216.34", "169.254.169.254"] : ["93.184.216.34"],
    );
  assert.match(
    (await resolvedProblem("https://evil.example/x", "webhook", none, resolve))!,
    /resolves to a loopback, link-local or metadata address/,
  );
  assert.equal(await resolvedProblem("https://good.example/x", "webhook", none, resolve), null);
  assert.match(
    (await resolvedProblem(
      "https://nowhere.example/x",
      "webhook",
      none,
      () => Promise.resolve([]),
    ))!,
    /cannot resolve/,
  );
});

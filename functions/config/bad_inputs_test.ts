/**
 * A corpus of bad requests against every API function mounted together (the dev layout): each
 * must be a 4xx with a JSON `{ error }` body, and leave the database and the settings file
 * exactly as they were.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { encodeCursor } from "../_shared/pagination.ts";
import { createPassesApp } from "../passes/index.ts";
import { bearer, insertPasses } from "../passes/testing.ts";
import { createEventsApp } from "../events/index.ts";
import { createStatsApp } from "../stats/index.ts";
import { createConfigApp } from "./index.ts";
import { CONFIG_YAML } from "./testing.ts";

const SECRET = "bad-inputs-test-secret-0123456789abcdef";

interface _Case {
  name: string;
  method?: string;
  path: string;
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Default: an operator token. */
  auth?: "none" | "viewer" | "forged";
}

Deno.test("bad inputs: every one a 4xx JSON error, nothing changed", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 3);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, CONFIG_YAML);
  const auth = { secret: SECRET };
  const store = new LocalObjectStore(`${dir}/objects`);
  const app = new Hono();
  app.route("/", createPassesApp({ pool, store, auth }));
  app.route("/", createEventsApp({ pool, auth }));
  app.route("/", createStatsApp({ pool, auth }));
  const rateLimit = { perMinute: 6000, burst: 1000 };
  app.route("/", createConfigApp({ pool, path, auth, rateLimit }));

  const tokens = {
    op: await bearer(SECRET, { sub: "op", role: "operator" }),
    viewer: await bearer(SECRET, { sub: "v", role: "viewer" }),
    forged: {
      authorization: `Bearer ${
        (await bearer(SECRET, { sub: "x", role: "operator" })).authorization.slice(7).replace(
          /\.[^.]+$/,
          ".AAAA",
        )
      }`,
    },
  };
  const snapshot = async () => {
    const tables = ["vehicle_passes", "track_events", "camera_status", "config_revisions"];
    const parts = [await Deno.readTextFile(path)];
    for (const t of tables) {
      const r = await pool.query(
        `select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${t} x`,
      );
      parts.push(`${t}:${r.rows[0].n}:${r.rows[0].h}`);
    }
    parts.push((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort().join(","));
    return parts.join("\n");
  };

  try {
    await insertPasses(pool, [
      {
        camera: "cam_01",
        track_id: 1,
        verdict: "full_stop",
        stop_duration_s: 2,
        exited_at: "2026-11-21T08:00:00Z",
      },
    ]);
    const etag = (await app.request("/api/config", { headers: tokens.op })).headers.get("etag")!;
    const yaml = { "content-type": "application/yaml", "if-match": etag };
    const eventsCursor = encodeCursor("events", { us: "1", id: "1" });
    const cases: _Case[] = [
      // Times.
      { name: "bad ISO date", path: "/api/passes?after=2026-13-45", status: 400 },
      { name: "rolled-over date", path: "/api/passes?before=2026-02-30T00:00:00Z", status: 400 },
      { name: "words for a date", path: "/api/events?after=yesterday", status: 400 },
      { name: "negative unix ms", path: "/api/passes?after=-1000", status: 400 },
      { name: "exponent unix ms", path: "/api/stats?after=1e12", status: 400 },
      {
        name: "after later than before",
        path: "/api/passes?after=2026-11-22&before=2026-11-21",
        status: 400,
      },
      { name: "repeated after", path: "/api/passes?after=1&after=2", status: 400 },
      // Numbers.
      { name: "negative limit", path: "/api/passes?limit=-5", status: 400 },
      { name: "zero limit", path: "/api/events?limit=0", status: 400 },
      { name: "limit too large", path: "/api/passes?limit=201", status: 400 },
      { name: "fractional limit", path: "/api/passes?limit=2.5", status: 400 },
      {
        name: "limit with SQL",
        path: "/api/passes?limit=1;delete%20from%20vehicle_passes",
        status: 400,
      },
      { name: "negative min_stop_s", path: "/api/passes?min_stop_s=-1", status: 400 },
      { name: "NaN max_stop_s", path: "/api/passes?max_stop_s=NaN", status: 400 },
      { name: "min above max", path: "/api/passes?min_stop_s=3&max_stop_s=1", status: 400 },
      { name: "track_id not a number", path: "/api/events?track_id=abc", status: 400 },
      { name: "track_id too large", path: "/api/events?track_id=99999999999", status: 400 },
      // Enumerations and ids.
      { name: "unknown verdict", path: "/api/passes?verdict=maybe", status: 400 },
      { name: "verdict list with junk", path: "/api/passes?verdict=full_stop,", status: 400 },
      {
        name: "SQL-ish verdict",
        path: "/api/passes?verdict=full_stop'%20or%20'1'='1",
        status: 400,
      },
      { name: "unknown event", path: "/api/events?event=delete", status: 400 },
      { name: "SQL-ish camera", path: "/api/passes?camera=cam_01'%20or%201=1--", status: 400 },
      { name: "camera too long", path: `/api/stats?camera=${"c".repeat(65)}`, status: 400 },
      { name: "huge parameter", path: `/api/passes?camera=${"a,".repeat(2000)}`, status: 400 },
      {
        name: "SQL-ish pass id",
        path: "/api/passes/1'%3B%20drop%20table%20vehicle_passes%3B--",
        status: 400,
      },
      {
        name: "pass id with a slash",
        path: "/api/passes/..%2F..%2Fetc%2Fpasswd/image",
        status: 400,
      },
      { name: "missing pass", path: "/api/passes/cam_01%3A0%3A0", status: 404 },
      { name: "bucket not hour", path: "/api/stats?bucket=minute", status: 400 },
      {
        name: "stats window too long",
        path: "/api/stats?after=2025-01-01&before=2026-01-01",
        status: 400,
      },
      // Cursors.
      { name: "garbage cursor", path: "/api/passes?cursor=%%%", status: 400 },
      { name: "non-JSON cursor", path: "/api/passes?cursor=bm90IGpzb24", status: 400 },
      { name: "another list's cursor", path: `/api/passes?cursor=${eventsCursor}`, status: 400 },
      {
        name: "cursor with SQL id",
        path: `/api/events?cursor=${encodeCursor("events", { us: "1", id: "1 or 1=1" })}`,
        status: 400,
      },
      // Auth.
      { name: "no token", path: "/api/passes", status: 401, auth: "none" },
      { name: "forged token", path: "/api/stats", status: 401, auth: "forged" },
      {
        name: "viewer writes config",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: CONFIG_YAML,
        status: 403,
        auth: "viewer",
      },
      {
        name: "viewer lists revisions",
        path: "/api/config/revisions",
        status: 403,
        auth: "viewer",
      },
      // Config writes.
      {
        name: "no If-Match",
        method: "PUT",
        path: "/api/config",
        headers: { "content-type": "application/yaml" },
        body: CONFIG_YAML,
        status: 428,
      },
      {
        name: "stale If-Match",
        method: "PUT",
        path: "/api/config",
        headers: { ...yaml, "if-match": '"stale"' },
        body: CONFIG_YAML,
        status: 412,
      },
      {
        name: "wrong content type",
        method: "PUT",
        path: "/api/config",
        headers: { ...yaml, "content-type": "text/html" },
        body: CONFIG_YAML,
        status: 415,
      },
      {
        name: "no content type",
        method: "PUT",
        path: "/api/config",
        headers: { "if-match": etag },
        body: CONFIG_YAML,
        status: 415,
      },
      {
        name: "form body",
        method: "PUT",
        path: "/api/config",
        headers: { ...yaml, "content-type": "application/x-www-form-urlencoded" },
        body: "a=b",
        status: 415,
      },
      {
        name: "huge body",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: "x".repeat(257 * 1024),
        status: 413,
      },
      {
        name: "invalid YAML",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: "cameras: {",
        status: 422,
      },
      {
        name: "invalid JSON",
        method: "PUT",
        path: "/api/config",
        headers: { ...yaml, "content-type": "application/json" },
        body: "{cameras:",
        status: 422,
      },
      {
        name: "empty body",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: "",
        status: 422,
      },
      {
        name: "no cameras",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: "cameras: {}\n",
        status: 422,
      },
      {
        name: "unknown key",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: CONFIG_YAML + "extra: 1\n",
        status: 422,
      },
      {
        name: "bad camera id",
        method: "PUT",
        path: "/api/config",
        headers: yaml,
        body: CONFIG_YAML.replace("cam_02:", "'cam 02; drop':"),
        status: 422,
      },
      {
        name: "POST to passes",
        method: "POST",
        path: "/api/passes",
        headers: { "content-type": "application/json" },
        body: "{}",
        status: 404,
      },
      { name: "DELETE a pass", method: "DELETE", path: "/api/passes/cam_01%3A0%3A0", status: 404 },
    ];
    assert.ok(cases.length >= 30);
    const before = await snapshot();
    for (const c of cases) {
      const headers: Record<string, string> = { ...(c.headers ?? {}) };
      if (c.auth === "viewer") Object.assign(headers, tokens.viewer);
      else if (c.auth === "forged") Object.assign(headers, tokens.forged);
      else if (c.auth !== "none") Object.assign(headers, tokens.op);
      const r = await app.request(c.path, { method: c.method ?? "GET", headers, body: c.body });
      const text = await r.text();
      assert.equal(r.status, c.status, `${c.name}: ${r.status} ${text}`);
      const body = JSON.parse(text);
      assert.equal(typeof body.error, "string", c.name);
      assert.doesNotMatch(text, /s3cr3t|at .*\.ts/, c.name);
      assert.equal(await snapshot(), before, `${c.name} changed something`);
    }
    // Invalid UTF-8 bytes (not expressible as a string case above).
    const raw = await app.request("/api/config", {
      method: "PUT",
      headers: { ...tokens.op, ...yaml },
      body: new Uint8Array([0x63, 0x3a, 0x20, 0xff, 0xfe]),
    });
    assert.equal(raw.status, 400);
    assert.equal(typeof (await raw.json()).error, "string");
    assert.equal(await snapshot(), before);
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

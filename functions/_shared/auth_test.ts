import assert from "node:assert/strict";
import { Hono } from "hono";
import { authFromEnv, mayWatchMediaPath, requireReadWrite } from "./auth.ts";
import { AuthError, signJwt, verifyJwt } from "./jwt.ts";

const SECRET = "a-test-secret-that-is-long-enough-123";
const exp = () => Math.floor(Date.now() / 1000) + 600;

Deno.test("JWTs verify, and tampered, expired, alg-none and role-less tokens do not", async () => {
  const t = await signJwt({ sub: "ann", role: "viewer", exp: exp(), cameras: ["cam_01"] }, SECRET);
  assert.deepEqual((await verifyJwt(t, SECRET)).cameras, ["cam_01"]);
  await assert.rejects(verifyJwt(t, SECRET + "x"), AuthError);
  const [h, b, s] = t.split(".");
  const forged = btoa(JSON.stringify({ sub: "ann", role: "admin", exp: exp() })).replace(/=+$/, "");
  await assert.rejects(verifyJwt(`${h}.${forged}.${s}`, SECRET), /signature/);
  const none = btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "");
  await assert.rejects(verifyJwt(`${none}.${b}.`, SECRET), /algorithm/);
  await assert.rejects(
    verifyJwt(await signJwt({ sub: "a", role: "viewer", exp: 1 }, SECRET), SECRET),
    /expired/,
  );
  await assert.rejects(
    verifyJwt(await signJwt({ sub: "a", role: "root" as "admin", exp: exp() }, SECRET), SECRET),
    /role/,
  );
  await assert.rejects(verifyJwt("x.y", SECRET), /malformed/);
  await assert.rejects(verifyJwt("a".repeat(5000), SECRET), /too long/);
});

Deno.test("viewers read, operators edit; auth off acts as operator", async () => {
  const app = (secret: string | null) =>
    new Hono().use("*", requireReadWrite({ secret })).get("/x", (c) => c.text("r")).put(
      "/x",
      (c) => c.text("w"),
    );
  const on = app(SECRET);
  const viewer = await signJwt({ sub: "v", role: "viewer", exp: exp() }, SECRET);
  const operator = await signJwt({ sub: "o", role: "operator", exp: exp() }, SECRET);
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
  assert.equal((await on.request("/x")).status, 401);
  assert.equal((await on.request("/x", bearer(viewer))).status, 200);
  assert.equal((await on.request(`/x?token=${viewer}`)).status, 200);
  assert.equal((await on.request("/x", { method: "PUT", ...bearer(viewer) })).status, 403);
  assert.equal((await on.request("/x", { method: "PUT", ...bearer(operator) })).status, 200);
  assert.equal((await app(null).request("/x", { method: "PUT" })).status, 200);
  assert.throws(() => authFromEnv(() => "short"), /at least 32/);
});

Deno.test("mayWatchMediaPath: a camera's derived paths follow its access, not another camera's", () => {
  const scoped = { sub: "v", role: "viewer" as const, cameras: ["cam_a"], exp: 0 };
  assert.equal(mayWatchMediaPath(scoped, "cam_a"), true);
  assert.equal(mayWatchMediaPath(scoped, "cam_a_annotated"), true);
  assert.equal(mayWatchMediaPath(scoped, "cam_a_h264"), true);
  assert.equal(mayWatchMediaPath(scoped, "cam_b_annotated"), false);
  assert.equal(mayWatchMediaPath(scoped, "cam_ab_h264"), false);
  assert.equal(mayWatchMediaPath({ sub: "v", role: "viewer", exp: 0 }, "cam_b_h264"), true);
});

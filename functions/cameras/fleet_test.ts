/** GET /api/cameras in fleet mode: which analyzer holds each camera, and the live fleet. */
import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { type Claims, signJwt } from "../_shared/jwt.ts";
import { SecretBox } from "../_shared/secret_box.ts";
import { createCamerasApp } from "./index.ts";

const SECRET = "fleet-test-secret-0123456789abcdef-xyz";

async function _bearer(over: Partial<Claims> = {}): Promise<Record<string, string>> {
  const exp = Math.floor(Date.now() / 1000) + 600;
  const token = await signJwt({ sub: "vera", role: "viewer", exp, ...over }, SECRET);
  return { authorization: `Bearer ${token}` };
}

Deno.test("cameras API: each camera's lease holder and the live fleet, scoped", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(
    configPath,
    "cameras:\n  cam_A:\n    source: samples/a.mp4\n  cam_B:\n    source: samples/b.mp4\n" +
      "  cam_C:\n    source: samples/c.mp4\n",
  );
  const app = createCamerasApp({
    pool,
    auth: { secret: SECRET },
    box: await SecretBox.create(undefined),
    mediamtx: null,
    configPath,
    log: () => {},
  });
  try {
    await pool.query(
      `insert into analyzer_fleet (holder, max_cameras) values ('box-1', 2), ('box-2', 2);
       insert into analyzer_fleet (holder, max_cameras, seen_at)
         values ('gone', 2, now() - interval '1 minute');
       insert into camera_leases (camera, holder, epoch, expires_at) values
         ('cam_A', 'box-1', 3, now() + interval '10 s'),
         ('cam_B', 'box-2', 1, now() + interval '10 s'),
         ('cam_C', 'gone', 7, now() - interval '1 s')`,
    );
    const res = await app.request("/api/cameras", { headers: await _bearer() });
    assert.equal(res.status, 200);
    const body = await res.json();
    const byId = Object.fromEntries(
      body.cameras.map((c: { id: string }) => [c.id, c]),
    );
    assert.equal(byId.cam_A.analyzer.holder, "box-1");
    assert.equal(byId.cam_A.analyzer.epoch, 3);
    assert.equal(byId.cam_B.analyzer.holder, "box-2");
    assert.equal(byId.cam_C.analyzer, null, "an expired lease is nobody's");
    assert.deepEqual(
      body.fleet.map((m: { holder: string; cameras: string[] }) => [m.holder, m.cameras]),
      [["box-1", ["cam_A"]], ["box-2", ["cam_B"]]],
      "members not seen within the expiry are left out",
    );

    // A viewer scoped to cam_B sees only that camera, in the list and in the fleet.
    const scoped = await (await app.request("/api/cameras", {
      headers: await _bearer({ cameras: ["cam_B"] }),
    })).json();
    assert.deepEqual(scoped.cameras.map((c: { id: string }) => c.id), ["cam_B"]);
    assert.deepEqual(
      scoped.fleet.map((m: { holder: string; cameras: string[] }) => [m.holder, m.cameras]),
      [["box-1", []], ["box-2", ["cam_B"]]],
    );
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

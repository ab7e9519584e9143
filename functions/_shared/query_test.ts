import assert from "node:assert/strict";
import { ApiError } from "./errors.ts";
import { etagMatches, QueryParams, visibleCameras } from "./query.ts";

Deno.test("QueryParams: strict times, numbers, lists; every bad value a 400 naming the parameter", () => {
  const q = (s: string) => new QueryParams(`http://x/api?${s}`);
  assert.equal(
    q("after=2026-11-21T10:00:00Z").time("after")?.toISOString(),
    "2026-11-21T10:00:00.000Z",
  );
  assert.equal(
    q("after=2026-11-21T10:00:00").time("after")?.toISOString(),
    "2026-11-21T10:00:00.000Z",
  );
  assert.equal(
    q("after=2026-11-21T11:00:00%2B01:00").time("after")?.toISOString(),
    "2026-11-21T10:00:00.000Z",
  );
  assert.equal(q("after=2026-11-21").time("after")?.toISOString(), "2026-11-21T00:00:00.000Z");
  assert.equal(q("after=1795255200123").time("after")?.getTime(), 1795255200123);
  assert.equal(q("").time("after"), undefined);
  for (
    const bad of [
      "yesterday",
      "2026-02-31",
      "2026-13-01",
      "2026-11-21T25:00",
      "-5",
      "1e12",
      "99999-01-01",
    ]
  ) {
    assert.throws(() => q(`after=${encodeURIComponent(bad)}`).time("after"), (e: ApiError) => {
      assert.equal(e.status, 400);
      assert.match(e.message, /after/);
      return true;
    }, bad);
  }
  assert.throws(() => q("limit=1&limit=2").int("limit", 1, 200), /once/);
  assert.equal(q("limit=200").int("limit", 1, 200), 200);
  for (const bad of ["0", "201", "-1", "1.5", "abc", "", " 5"]) {
    assert.throws(() => q(`limit=${encodeURIComponent(bad)}`).int("limit", 1, 200), ApiError, bad);
  }
  assert.equal(q("s=2.5").decimal("s", 100), 2.5);
  assert.throws(() => q("s=-1").decimal("s", 100), ApiError);
  assert.throws(() => q("s=NaN").decimal("s", 100), ApiError);
  assert.deepEqual(q("v=full_stop,no_stop,full_stop").oneOf("v", ["full_stop", "no_stop"]), [
    "full_stop",
    "no_stop",
  ]);
  assert.throws(() => q("v=maybe").oneOf("v", ["full_stop"]), ApiError);
  assert.deepEqual(q("camera=cam_01,cam_02").cameras(), ["cam_01", "cam_02"]);
  assert.throws(() => q("camera=cam'01").cameras(), ApiError);
  assert.throws(() => q(`camera=${"a".repeat(2000)}`).cameras(), /too long/);
});

Deno.test("visibleCameras: a cameras claim narrows lists and hides other cameras as 404", () => {
  const all = { sub: "a", role: "viewer" as const, exp: 0 };
  const some = { ...all, cameras: ["cam_01"] };
  assert.equal(visibleCameras(all, undefined), null);
  assert.deepEqual(visibleCameras(all, ["cam_02"]), ["cam_02"]);
  assert.deepEqual(visibleCameras(some, undefined), ["cam_01"]);
  assert.deepEqual(visibleCameras(some, ["cam_01"]), ["cam_01"]);
  assert.throws(
    () => visibleCameras(some, ["cam_01", "cam_02"]),
    (e: ApiError) => e.status === 404,
  );
});

Deno.test("etagMatches: strong for If-Match, weak for If-None-Match, lists and *", () => {
  assert.ok(etagMatches('"a"', '"a"', false));
  assert.ok(etagMatches('"b", "a"', '"a"', false));
  assert.ok(etagMatches("*", '"a"', false));
  assert.ok(!etagMatches('W/"a"', '"a"', false));
  assert.ok(etagMatches('W/"a"', '"a"', true));
  assert.ok(!etagMatches(undefined, '"a"', true));
});

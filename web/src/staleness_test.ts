import assert from "node:assert/strict";
import { chainFromApi, firstStaleLink, fmtAge } from "./staleness.ts";

Deno.test("staleness: the first stale link from the camera on; unknown links are skipped", () => {
  const api = {
    camera_ms: 400,
    decode_ms: 300,
    infer_ms: 42_000,
    publish_ms: 42_010,
    relay_ms: null,
  };
  const chain = chainFromApi(api, 43_000);
  assert.equal(
    firstStaleLink(chain),
    "infer",
    "inference stopped: everything after it is stale too",
  );
  assert.equal(firstStaleLink(chainFromApi(api, 43_000), 60_000), null);
  assert.equal(
    firstStaleLink(chainFromApi({ ...api, infer_ms: 200, publish_ms: 210 }, 9_000)),
    "render",
  );
  assert.equal(firstStaleLink(chainFromApi(null, null)), null, "nothing known, nothing blamed");
});

Deno.test("staleness: ages read as ms, seconds or minutes", () => {
  assert.equal(fmtAge(850.4), "850 ms");
  assert.equal(fmtAge(12_345), "12.3 s");
  assert.equal(fmtAge(600_000), "10 min");
  assert.equal(fmtAge(null), "–");
});

import assert from "node:assert/strict";
import { exposureWarning, isLoopback } from "./exposure.ts";
import { startFunctions } from "../functions/main.ts";

Deno.test("exposure: loopback is quiet; 0.0.0.0 warns, loudest with auth off", () => {
  for (const h of ["127.0.0.1", "localhost", "::1", "127.0.1.1"]) {
    assert.ok(isLoopback(h), h);
    assert.equal(exposureWarning(h, false), null);
  }
  assert.match(exposureWarning("0.0.0.0", false)!, /auth OFF.*STOPLINE_JWT_SECRET/);
  assert.match(exposureWarning("0.0.0.0", true)!, /auth is on/);
  assert.match(exposureWarning("192.168.1.5", false)!, /reachable from the network/);
});

Deno.test("functions listen on 127.0.0.1 unless told otherwise", async () => {
  // No database is needed to see where the server listens; the pool connects lazily.
  const f = startFunctions({
    databaseUrl: "postgres://nobody:x@127.0.0.1:9/none",
    port: 0,
    log: () => {},
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: f.port });
    conn.close();
    // Another address of this machine (when it has one) must not answer.
    const other = Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.")
    );
    if (other) {
      await assert.rejects(Deno.connect({ hostname: other.address, port: f.port }));
    }
  } finally {
    await f.close();
  }
});

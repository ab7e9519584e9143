import assert from "node:assert/strict";
import { diskSpace, processMetrics } from "./process_metrics.ts";

Deno.test("processMetrics: readiness gauge, start time, the data directory's disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = processMetrics({ ready: false, started_ms: 1_700_000_000_900, dataDir: dir });
    assert.match(text, /^stopline_ready 0$/m);
    assert.match(text, /^stopline_process_start_time_seconds 1700000000$/m);
    const free = Number(text.match(/^stopline_data_disk_free_bytes (\d+)$/m)?.[1]);
    const size = Number(text.match(/^stopline_data_disk_size_bytes (\d+)$/m)?.[1]);
    assert.ok(free > 0 && size >= free, `free ${free} of ${size}`);
    assert.match(
      processMetrics({ ready: true, started_ms: 0, dataDir: dir }),
      /^stopline_ready 1$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("processMetrics: a missing data directory leaves the disk lines out", () => {
  assert.equal(diskSpace("/nonexistent/stopline"), null);
  const text = processMetrics({ ready: true, started_ms: 0, dataDir: "/nonexistent/stopline" });
  assert.doesNotMatch(text, /stopline_data_disk/);
  assert.match(text, /^stopline_ready 1$/m);
});

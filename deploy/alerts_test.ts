/**
 * The alert rules with the real promtool (Debian's `prometheus` package): `check rules`, the unit
 * tests in deploy/alerts_test.yml (a blip does not page, an outage and a restart loop do, the
 * warnings fire), proof that those tests bite, and that the rules, the Prometheus config and the
 * Grafana dashboard name only metrics the analyzer and the functions really export.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../", import.meta.url);
const _path = (p: string) => new URL(p, ROOT).pathname;
const _read = (p: string) => Deno.readTextFileSync(new URL(p, ROOT));

async function promtool(args: string[], cwd?: string): Promise<{ ok: boolean; out: string }> {
  let o: Deno.CommandOutput;
  try {
    o = await new Deno.Command("promtool", { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
  } catch (e) {
    throw new Error(
      `promtool not found (apt-get install prometheus, or deno task test:setup): ${e}`,
    );
  }
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

Deno.test("promtool check rules: deploy/alerts.yml is valid", async () => {
  const r = await promtool(["check", "rules", _path("deploy/alerts.yml")]);
  assert.ok(r.ok, r.out);
  assert.match(r.out, /SUCCESS: \d+ rules found/);
});

Deno.test("promtool test rules: blip, outage, restart loop and warnings", async () => {
  const r = await promtool(["test", "rules", _path("deploy/alerts_test.yml")]);
  assert.ok(r.ok, r.out);
  assert.match(r.out, /SUCCESS/);
});

Deno.test("the unit tests bite: paging on a 1-minute `for` fails them (the blip would page)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rules = _read("deploy/alerts.yml");
    assert.ok(rules.includes("for: 5m"));
    await Deno.writeTextFile(`${dir}/alerts.yml`, rules.replaceAll("for: 5m", "for: 1m"));
    await Deno.copyFile(_path("deploy/alerts_test.yml"), `${dir}/alerts_test.yml`);
    const r = await promtool(["test", "rules", "alerts_test.yml"], dir);
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /StoplineAnalyzerNotReady/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alert rules: pages only on readiness and restarts; every other rule only warns", () => {
  const doc = parse(_read("deploy/alerts.yml")) as {
    groups: { rules: { alert: string; labels: { severity: string } }[] }[];
  };
  const rules = doc.groups.flatMap((g) => g.rules);
  const paging = rules.filter((r) => r.labels.severity === "page").map((r) => r.alert).sort();
  assert.deepEqual(paging, ["StoplineAnalyzerNotReady", "StoplineAnalyzerRestartLoop"]);
  for (const r of rules) assert.ok(["page", "warning"].includes(r.labels.severity), r.alert);
});

Deno.test("prometheus.yml is valid for promtool (with the rules path made local)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(_path("deploy/alerts.yml"), `${dir}/alerts.yml`);
    await Deno.writeTextFile(
      `${dir}/prometheus.yml`,
      _read("deploy/prometheus.yml").replace("/etc/prometheus/alerts.yml", `${dir}/alerts.yml`),
    );
    const r = await promtool(["check", "config", `${dir}/prometheus.yml`]);
    assert.ok(r.ok, r.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // The rules select these job names.
  const jobs = (parse(_read("deploy/prometheus.yml")) as { scrape_configs: { job_name: string }[] })
    .scrape_configs.map((c) => c.job_name);
  for (const m of _read("deploy/alerts.yml").matchAll(/job="([^"]+)"/g)) {
    assert.ok(jobs.includes(m[1]), `job ${m[1]} is not scraped`);
  }
});

/** Every `"stopline_..."` metric name the code registers with metricLines. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        const src = Deno.readTextFileSync(new URL(e.name, dir));
        for (const m of src.matchAll(/metricLines\(\s*"(stopline_[a-z0-9_]+)"/g)) names.add(m[1]);
      }
    }
  };
  for (const d of ["analyzer/", "functions/", "shared/"]) walk(new URL(d, ROOT));
  return names;
}

Deno.test("alert rules and the Grafana dashboard name only exported metrics", () => {
  const exported = exportedMetrics();
  for (const name of ["stopline_ready", "stopline_frame_age_seconds", "stopline_crops_pending"]) {
    assert.ok(exported.has(name), `the scan finds ${name}`);
  }
  const dashboard = JSON.parse(_read("deploy/grafana/stopline.json")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 10);
  const used = [_read("deploy/alerts.yml"), ...exprs].join("\n")
    .matchAll(/\b(stopline_[a-z0-9_]+)/g);
  for (const [, name] of used) assert.ok(exported.has(name), `${name} is not exported`);
  // What the issue asks the dashboard to show.
  const all = exprs.join("\n");
  for (
    const m of [
      "stopline_frame_age_seconds",
      "stopline_fps",
      "stopline_dropped_frames_total",
      "stopline_stage_ms",
      "stopline_passes_total",
    ]
  ) assert.ok(all.includes(m), `dashboard shows ${m}`);
  assert.ok(
    dashboard.panels.every((p) =>
      (p as { datasource?: { uid?: string } }).datasource?.uid ===
        "stopline-prometheus"
    ),
  );
  const ds = parse(_read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
    datasources: { uid: string }[];
  };
  assert.equal(ds.datasources[0].uid, "stopline-prometheus");
});

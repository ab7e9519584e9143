/**
 * Relay fan-out: 100, 1000 and 2000 WebSocket clients of one camera at 15 Hz ticks of ~1.5 KB,
 * fed through real Postgres NOTIFY. Reports delivery latency p50/p95/p99 (publish time -> client),
 * the relay's CPU, and the analyzer's fps on another camera while it runs (all on this machine).
 * Run: deno run -A bench/fanout_bench.ts [--clients 100,1000,2000] [--seconds 20]
 */
import { parseArgs } from "node:util";
import pg from "../shared/db/pg.ts";
import { TICK_CHANNEL } from "../shared/channels.ts";
import { encodeTick } from "../shared/tick.ts";
import { makeTick } from "../shared/testing/ticks.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { freePort } from "../dev/free_port.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { cpuSeconds, machine, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "100,1000,2000" },
    seconds: { type: "string", default: "20" },
  },
});
const counts = values.clients.split(",").map(Number);
const seconds = Number(values.seconds);
const deno = Deno.execPath();

const db = await startTestDatabase();
const relayPort = freePort();
const relay = new Deno.Command(deno, {
  args: ["run", "-A", resolveFilePath("bench/relay_server.ts"), db.url, String(relayPort)],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
await relay.stdout.pipeThrough(new TextDecoderStream()).getReader().read();

// The analyzer on the people clip, so its fps under relay load can be compared with idle.
const ta = await startTestAnalyzer({
  databaseUrl: db.url,
  config: `cameras:\n  cam_01:\n    source: ${
    resolveFilePath("samples/vtest.mp4")
  }\n    loop: true\n    detect: { fps: 10 }\n`,
});
const analyzerPort = ta.port;

const analyzerFps = async () => {
  const text = await (await fetch(`http://127.0.0.1:${analyzerPort}/metrics`)).text();
  return Number(/stopline_fps\{camera="cam_01"\} ([\d.]+)/.exec(text)?.[1] ?? NaN);
};
const fpsSamples = async (ms: number) => {
  const xs: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    xs.push(await analyzerFps().catch(() => NaN));
  }
  return xs.filter(Number.isFinite).reduce((a, b) => a + b, 0) /
    Math.max(1, xs.filter(Number.isFinite).length);
};
for (let i = 0; i < 60 && !(await analyzerFps().catch(() => 0)); i++) {
  await new Promise((r) => setTimeout(r, 1000));
}

// The publisher: 15 Hz ticks of ~1.5 KB for camera "bench".
const pub = new pg.Client({ connectionString: db.url });
await pub.connect();
let seq = 0;
const tick = makeTick("bench", 0, 11);
const sample = encodeTick(tick);
const timer = setInterval(() => {
  tick.seq = seq++;
  tick.ts = Date.now();
  pub.query("select pg_notify($1, $2)", [TICK_CHANNEL, encodeTick(tick)]).catch(() => {});
}, 1000 / 15);

const idleFps = await fpsSamples(5000);
const rows: (string | number)[][] = [];
for (const n of counts) {
  const clients = new Deno.Command(deno, {
    args: [
      "run",
      "-A",
      resolveFilePath("bench/ws_clients.ts"),
      `ws://127.0.0.1:${relayPort}/ws?camera=bench`,
      String(n),
      String(seconds),
    ],
    stdout: "piped",
  }).spawn();
  const lines = clients.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!buf.includes('"connected"')) buf += (await lines.read()).value ?? "";
  const cpu0 = cpuSeconds(relay.pid, false);
  const t0 = performance.now();
  const fps = await fpsSamples(seconds * 1000 - 500);
  while (!buf.includes('"result"')) {
    const r = await lines.read();
    if (r.done) break;
    buf += r.value;
  }
  const cpu = (cpuSeconds(relay.pid, false) - cpu0) / ((performance.now() - t0) / 1000);
  const res = JSON.parse(buf.split("\n").find((l) => l.includes('"result"'))!);
  await clients.status;
  rows.push([
    n,
    res.open,
    res.messages,
    res.p50,
    res.p95,
    res.p99,
    `${(cpu * 100).toFixed(0)}%`,
    `${fps.toFixed(1)} (idle ${idleFps.toFixed(1)}, ${
      (((fps - idleFps) / idleFps) * 100).toFixed(1)
    }%)`,
  ]);
}
clearInterval(timer);
await pub.end();
await ta.close();
relay.kill("SIGTERM");
await relay.status;
await db.close();
table(
  `Relay fan-out, 15 Hz ticks of ${new TextEncoder().encode(sample).length} B (${machine()})`,
  [
    "clients",
    "connected",
    "messages",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "relay CPU (of 1 core)",
    "analyzer fps",
  ],
  rows,
);

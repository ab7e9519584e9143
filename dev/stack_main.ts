/**
 * The dev stack in this process (started by dev/main.ts, `deno task dev`). Env: PORT (8000), HOST
 * (127.0.0.1; `HOST=0.0.0.0` exposes the stack to the network, with a warning), DATABASE_URL, STOPLINE_CONFIG, STOPLINE_DATA_DIR (.data). Stops in dependency order (see
 * `DevStack.close`) on SIGINT / SIGTERM, or, with `--stop-on-stdin-eof`, when stdin closes (how
 * dev/main.ts asks it to stop).
 */
import { exposureWarning } from "./exposure.ts";
import { startDevStack } from "./stack.ts";

const root = new URL("../", import.meta.url).pathname;
const env = (n: string) => Deno.env.get(n);
const log = (line: string) => console.log(line);

const t0 = performance.now();
const hostname = env("HOST") || "127.0.0.1";
const stack = await startDevStack({
  dataDir: env("STOPLINE_DATA_DIR") ?? `${root}.data`,
  port: Number(env("PORT") ?? "8000"),
  hostname,
  configPath: env("STOPLINE_CONFIG") ?? `${root}config/stopline.yaml`,
  databaseUrl: env("DATABASE_URL"),
  log,
});
console.log(
  `\nstopline is running: open ${stack.url}/?camera=cam_01  (ready in ${
    Math.round(performance.now() - t0)
  } ms; analyzer readiness: ${stack.analyzerUrl}/readyz)\n` +
    "auth is OFF in dev: anyone who can reach this port can watch and edit. Ctrl-C stops.\n",
);
const warning = exposureWarning(hostname, Boolean(env("STOPLINE_JWT_SECRET")));
if (warning) console.warn(warning);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log("stopping…");
  await stack.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
if (Deno.args.includes("--stop-on-stdin-eof")) {
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* nothing is sent: only the end matters */ }
    await shutdown();
  })();
}

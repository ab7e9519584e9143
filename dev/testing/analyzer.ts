/**
 * The analyzer as a separate process for tests and benchmarks: its config written to a
 * temporary data directory, a free health port, the shared model cache.
 */
import { AnalyzerProcess } from "../analyzer_process.ts";
import { freePort } from "../free_port.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface TestAnalyzer {
  process: AnalyzerProcess;
  dir: string;
  configPath: string;
  port: number;
  /** http://127.0.0.1:<port> (healthz, readyz, metrics). */
  url: string;
  /** Stop the process (SIGTERM) and remove the data directory. */
  close(): Promise<void>;
}

export async function startTestAnalyzer(opts: {
  databaseUrl: string;
  /** The settings file's YAML text. */
  config: string;
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Start it now (default) or leave it to the caller. */
  start?: boolean;
}): Promise<TestAnalyzer> {
  const dir = await Deno.makeTempDir({ prefix: "stopline-analyzer-" });
  const configPath = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(configPath, opts.config);
  const port = freePort();
  const process = new AnalyzerProcess({
    log: opts.log ?? (() => {}),
    env: {
      DATABASE_URL: opts.databaseUrl,
      STOPLINE_CONFIG: configPath,
      STOPLINE_DATA_DIR: dir,
      STOPLINE_MODEL_DIR: `${ROOT}.data/models`,
      ANALYZER_PORT: String(port),
      ...opts.env,
    },
  });
  if (opts.start ?? true) process.start();
  return {
    process,
    dir,
    configPath,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await process.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * The synthetic intersection of config/scenes.yaml with its clip looped (a full stop every 12 s
 * of capture time) and paths made absolute.
 */
export async function loopedSceneConfig(): Promise<string> {
  return (await Deno.readTextFile(`${ROOT}config/scenes.yaml`)).replace(
    "source: samples/scenes/full_stop.mp4",
    `source: ${ROOT}samples/scenes/full_stop.mp4\n    loop: true`,
  );
}

/** config/stopline.yaml (the dev default) with its sample paths made absolute. */
export async function devConfigAbsolute(): Promise<string> {
  return (await Deno.readTextFile(`${ROOT}config/stopline.yaml`)).replaceAll(
    "source: samples/",
    `source: ${ROOT}samples/`,
  );
}

/**
 * The production entry of the functions container: apply the migrations (retrying while Postgres
 * starts), then serve every function on PORT (functions/main.ts), and stop cleanly on SIGTERM.
 * Env: PORT (8000), HOST (127.0.0.1; the container image sets 0.0.0.0 and its port mapping decides
 * who can connect), DATABASE_URL (required), STOPLINE_CONFIG, ANALYZER_URL, plus what each
 * function reads (README, docs/DEPLOY.md, docs/SECURITY.md).
 */
import { migrate } from "../shared/db/migrate.ts";
import { startFunctions } from "../functions/main.ts";

const env = (n: string) => Deno.env.get(n);
const log = (m: string) => console.log(`functions: ${m}`);

/** Migrate, retrying with backoff: compose may start us while Postgres still initializes. */
export async function migrateWithRetry(url: string, attempts = 30): Promise<string[]> {
  for (let i = 1;; i++) {
    try {
      return await migrate(url);
    } catch (e) {
      if (i >= attempts) throw e;
      log(`database not ready (${(e as Error).message}); retry ${i}/${attempts}`);
      await new Promise((r) => setTimeout(r, Math.min(500 * i, 5000)));
    }
  }
}

if (import.meta.main) {
  const databaseUrl = env("DATABASE_URL");
  if (!databaseUrl) {
    console.error("functions: DATABASE_URL is required");
    Deno.exit(2);
  }
  const applied = await migrateWithRetry(databaseUrl);
  if (applied.length) log(`migrations applied: ${applied.join(", ")}`);
  const running = startFunctions({
    databaseUrl,
    port: Number(env("PORT") ?? "8000"),
    hostname: env("HOST") || "127.0.0.1",
    configPath: env("STOPLINE_CONFIG"),
    analyzerUrl: env("ANALYZER_URL"),
    log,
  });
  log(`listening on ${running.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}

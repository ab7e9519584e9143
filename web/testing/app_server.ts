/**
 * The web app on a test server: the freshly built bundle, a chosen runtime config, and
 * whatever other Hono apps a test needs on the same origin (fake APIs, the media relay,
 * fake ticks).
 */
import { Hono } from "hono";
import { buildWebBundle } from "../../functions/web/build.ts";
import { createWebApp } from "../../functions/web/index.ts";
import { type AppConfig, DEFAULT_APP_CONFIG } from "../../shared/app_config.ts";
import { serveForTest, type TestServer } from "./browser.ts";

let _built: Promise<void> | undefined;

/** Build the bundle once per test process (every test file serves the same sources). */
export function ensureBundle(): Promise<void> {
  _built ??= buildWebBundle();
  return _built;
}

export async function serveApp(
  opts: { appConfig?: Partial<AppConfig>; apps?: Hono[] } = {},
): Promise<TestServer & { root: Hono }> {
  await ensureBundle();
  const root = new Hono();
  const cfg = { ...DEFAULT_APP_CONFIG, ...opts.appConfig };
  root.route("/", createWebApp({ appConfig: () => cfg }));
  for (const app of opts.apps ?? []) root.route("/", app);
  return { ...serveForTest(root.fetch), root };
}

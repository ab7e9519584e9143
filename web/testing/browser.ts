/**
 * Test helpers for browser tests: a Deno.serve wrapper, and Debian chromium
 * driven by playwright-core (flags measured to work headless in containers, ARCHITECTURE §5).
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Tests must not depend on a user gesture to start muted live video.
  "--autoplay-policy=no-user-gesture-required",
];

export interface TestServer {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  shutdown(): Promise<void>;
}

/** Serve a fetch handler on 127.0.0.1 and an OS-chosen port. */
export function serveForTest(handler: (req: Request) => Response | Promise<Response>): TestServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const port = server.addr.port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    async shutdown() {
      await server.shutdown();
    },
  };
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Close the browser and delete its throwaway profile. */
  close(): Promise<void>;
}

/** Debian chromium with a throwaway profile (launchPersistentContext, not --user-data-dir). */
export async function launchChromium(
  opts: {
    args?: string[];
    viewport?: { width: number; height: number };
    /** devicePixelRatio the page sees (HiDPI rendering paths). */
    deviceScaleFactor?: number;
  } = {},
): Promise<TestBrowser> {
  const profileDir = await Deno.makeTempDir({ prefix: "stopline-chromium-" });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      viewport: opts.viewport ?? { width: 1280, height: 720 },
      deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    });
  } catch (e) {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    throw e;
  }
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Waits until the player page says its video is playing (`#video-state`). */
export async function waitForPlaying(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    () => document.getElementById("video-state")?.textContent === "playing",
    undefined,
    { timeout: timeoutMs },
  );
}

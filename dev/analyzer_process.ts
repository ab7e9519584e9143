/**
 * The analyzer as a supervised child process (dev and tests): restarted with backoff when it
 * exits on its own (e.g. the stall watchdog), stopped with SIGTERM (then SIGKILL) on request.
 */
import { ANALYZER_V8_FLAGS } from "../analyzer/runtime_flags.ts";

export interface AnalyzerProcessOptions {
  env: Record<string, string>;
  log?: (line: string) => void;
  /** Restart after an unexpected exit. */
  supervise?: boolean;
}

export class AnalyzerProcess {
  readonly #opts: AnalyzerProcessOptions;
  #child: Deno.ChildProcess | null = null;
  #wanted = false;
  #backoff = 1000;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  exits = 0;
  lastExitCode: number | null = null;

  constructor(opts: AnalyzerProcessOptions) {
    this.#opts = opts;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  start(): void {
    this.#wanted = true;
    if (this.#child) return;
    const main = new URL("../analyzer/main.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `--v8-flags=${ANALYZER_V8_FLAGS}`, main],
      env: this.#opts.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const started = Date.now();
    _lines(child.stdout, (l) => this.#opts.log?.(l));
    _lines(child.stderr, (l) => this.#opts.log?.(l));
    child.status.then((s) => {
      if (this.#child !== child) return;
      this.#child = null;
      this.exits++;
      this.lastExitCode = s.code;
      if (!this.#wanted || !this.#opts.supervise) return;
      if (Date.now() - started > 30_000) this.#backoff = 1000;
      this.#opts.log?.(`analyzer exited (code ${s.code}); restarting in ${this.#backoff} ms`);
      this.#restartTimer = setTimeout(() => this.#wanted && this.start(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, 30_000);
    });
  }

  /** Kill it hard (SIGKILL, no flush): a crash, for fault tests. */
  kill(): Promise<void> {
    return this.stop(0);
  }

  /** SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    try {
      child.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, graceMs);
    this.lastExitCode = (await child.status).code;
    clearTimeout(timer);
  }
}

async function _lines(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) {
  let rest = "";
  const decoder = new TextDecoder();
  try {
    for await (const bytes of stream) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) onLine(l);
    }
  } catch { /* stream closed */ }
}

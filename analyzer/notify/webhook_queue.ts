/**
 * The durable queue of webhook deliveries: one fsync'd file per delivery under `pending/`, named
 * by its idempotency key (rule + pass id). A delivered one leaves a marker under `delivered/`, a
 * given-up one its file under `failed/`; a key seen in any of the three is never queued again, so
 * neither a restart nor the same pass judged twice sends a webhook twice. Markers older than
 * `keepMs` are pruned. Nothing here holds a secret: the URL and key are looked up from the rule
 * at send time.
 */
import { exists, writeFileDurable } from "../../shared/fs.ts";

export interface WebhookJob {
  /** Idempotency key: `<rule>:<pass id>`; sent as X-Stopline-Delivery. */
  key: string;
  rule: string;
  /** The pass and image URL as the body will carry them (without the per-attempt fields). */
  payload: Record<string, unknown>;
  attempts: number;
  /** Unix ms of the next attempt. */
  next_at_ms: number;
  created_at_ms: number;
  last_error?: string;
}

const _DIRS = ["pending", "delivered", "failed"] as const;

export class WebhookQueue {
  constructor(readonly dir: string) {}

  /** Queue a delivery unless its key is pending, delivered or failed; true when queued. */
  async enqueue(job: WebhookJob): Promise<boolean> {
    const name = this.#file(job.key);
    for (const d of _DIRS) {
      if (await exists(`${this.dir}/${d}/${name}`)) return false;
    }
    await this.#write("pending", name, JSON.stringify(job));
    return true;
  }

  /** Pending deliveries whose time has come, oldest first. */
  async due(nowMs: number): Promise<WebhookJob[]> {
    return (await this.pending()).filter((j) => j.next_at_ms <= nowMs);
  }

  async pending(): Promise<WebhookJob[]> {
    const dir = `${this.dir}/pending`;
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(dir)))
        .filter((e) => e.isFile && e.name.endsWith(".json") && !e.name.startsWith("."))
        .map((e) => e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    const out: WebhookJob[] = [];
    for (const n of names) {
      try {
        out.push(JSON.parse(await Deno.readTextFile(`${dir}/${n}`)));
      } catch {
        await Deno.rename(`${dir}/${n}`, `${dir}/${n}.bad`).catch(() => {});
      }
    }
    return out.sort((a, b) => a.created_at_ms - b.created_at_ms || (a.key < b.key ? -1 : 1));
  }

  /** Record a failed attempt (count, next time, error). */
  async reschedule(job: WebhookJob): Promise<void> {
    await this.#write("pending", this.#file(job.key), JSON.stringify(job));
  }

  /** The delivery succeeded: marker first, then the pending file goes (a crash between leaves both: not resent). */
  async markDelivered(job: WebhookJob): Promise<void> {
    const name = this.#file(job.key);
    await this.#write("delivered", name, JSON.stringify({ key: job.key, at_ms: Date.now() }));
    await Deno.remove(`${this.dir}/pending/${name}`).catch(() => {});
  }

  /** Given up (attempts exhausted, rule removed): kept under failed/ for inspection. */
  async markFailed(job: WebhookJob): Promise<void> {
    const name = this.#file(job.key);
    await this.#write("failed", name, JSON.stringify(job));
    await Deno.remove(`${this.dir}/pending/${name}`).catch(() => {});
  }

  /** Remove delivered markers and failed files older than `keepMs`. */
  async prune(keepMs: number, nowMs = Date.now()): Promise<number> {
    let removed = 0;
    for (const d of ["delivered", "failed"]) {
      try {
        for await (const e of Deno.readDir(`${this.dir}/${d}`)) {
          const path = `${this.dir}/${d}/${e.name}`;
          const st = await Deno.stat(path);
          if (nowMs - (st.mtime?.getTime() ?? nowMs) > keepMs) {
            await Deno.remove(path).catch(() => {});
            removed++;
          }
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    return removed;
  }

  async #write(sub: string, name: string, text: string): Promise<void> {
    await writeFileDurable(`${this.dir}/${sub}`, name, text);
  }

  /** A file name for a key: safe characters, plus a hash so distinct keys never collide. */
  #file(key: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    return `${key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 150)}-${h.toString(16)}.json`;
  }
}

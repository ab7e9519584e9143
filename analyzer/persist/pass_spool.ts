/**
 * A durable on-disk queue of passes: every pass is written here (fsync'd) before it is sent to
 * Postgres and removed only after the insert committed. A dead database or a crash loses no pass;
 * replays are harmless because pass ids are deterministic and inserts skip existing ids.
 */
import { writeFileDurable } from "../../shared/fs.ts";
import type { PassRecord } from "./records.ts";

export class PassSpool {
  constructor(readonly dir: string) {}

  async add(p: PassRecord): Promise<void> {
    await writeFileDurable(this.dir, this.#name(p), JSON.stringify(p));
  }

  /** Spooled passes in the order they were judged (exit time, then id). */
  async pending(): Promise<PassRecord[]> {
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(this.dir)))
        .filter((e) => e.isFile && e.name.endsWith(".json") && !e.name.startsWith("."))
        .map((e) => e.name)
        .sort();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    const out: PassRecord[] = [];
    for (const n of names) {
      try {
        out.push(JSON.parse(await Deno.readTextFile(`${this.dir}/${n}`)));
      } catch {
        // A torn file cannot exist (rename is atomic); anything unreadable is set aside, not lost.
        await Deno.rename(`${this.dir}/${n}`, `${this.dir}/${n}.bad`).catch(() => {});
      }
    }
    return out;
  }

  async remove(passes: PassRecord[]): Promise<void> {
    for (const p of passes) {
      await Deno.remove(`${this.dir}/${this.#name(p)}`).catch(() => {});
    }
  }

  #name(p: PassRecord): string {
    const safeId = p.id.replace(/[^A-Za-z0-9_-]/g, "_");
    return `${String(Math.max(0, Math.round(p.exited_at))).padStart(15, "0")}-${safeId}.json`;
  }
}

/**
 * Gets pass crops into the object store even when it is down: each JPEG is written to a local
 * spool directory first, then uploaded with retries (backoff), then removed from the spool.
 * A restart resumes the uploads left in the spool.
 */
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import { writeFileDurable } from "../../shared/fs.ts";
import { parseObjectUri } from "../../shared/object_store/uri.ts";
import { SpoolPump } from "./spool_pump.ts";

export class CropUploader {
  readonly #store: ObjectStore;
  readonly #dir: string;
  readonly #log: (m: string) => void;
  readonly #pump: SpoolPump;
  #failures = 0;
  uploaded = 0;
  /** Crops spooled and not yet stored, as of the last look at the spool (the retry queue). */
  pendingCrops = 0;
  lastError = "";

  constructor(store: ObjectStore, spoolDir: string, log: (m: string) => void = () => {}) {
    this.#store = store;
    this.#dir = spoolDir;
    this.#log = log;
    this.#pump = new SpoolPump({
      workAll: () => this.#uploadAll(),
      pending: () => this.pending(),
      retryDelayMs: () => Math.min(500 * 2 ** this.#failures, 30_000),
    });
    this.#pump.schedule(0);
  }

  /** Queue a crop; durable on disk when this resolves. */
  async add(uri: string, jpegBytes: Uint8Array): Promise<void> {
    parseObjectUri(uri); // validate before it becomes a file name
    await writeFileDurable(this.#dir, _fileName(uri), jpegBytes);
    this.pendingCrops++;
    this.#pump.schedule(0);
  }

  async pending(): Promise<number> {
    return (await this.#files()).length;
  }

  /** Try every pending upload once now; true when none is left. */
  drain(): Promise<boolean> {
    return this.#pump.drain();
  }

  async close(): Promise<void> {
    await this.#pump.stop();
    await this.drain().catch(() => false);
  }

  async #files(): Promise<string[]> {
    let names: string[] = [];
    try {
      names = (await Array.fromAsync(Deno.readDir(this.#dir)))
        .filter((e) => e.isFile && !e.name.startsWith(".") && !e.name.endsWith(".bad"))
        .map((e) => e.name)
        .sort();
    } catch {
      // No spool directory yet: nothing pending.
    }
    this.pendingCrops = names.length;
    return names;
  }

  async #uploadAll(): Promise<void> {
    for (const name of await this.#files()) {
      const path = `${this.#dir}/${name}`;
      let uri: string;
      try {
        uri = _uriOf(name);
      } catch {
        await Deno.rename(path, `${path}.bad`).catch(() => {});
        continue;
      }
      try {
        await this.#store.put(uri, await Deno.readFile(path), "image/jpeg");
      } catch (e) {
        this.#failures = Math.min(this.#failures + 1, 6);
        const msg = (e as Error).message;
        if (msg !== this.lastError) this.#log(`crop upload failed (will retry): ${msg}`);
        this.lastError = msg;
        return;
      }
      this.#failures = 0;
      this.uploaded++;
      await Deno.remove(path).catch(() => {});
      this.pendingCrops = Math.max(0, this.pendingCrops - 1);
    }
  }
}

function _fileName(uri: string): string {
  return btoa(uri).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function _uriOf(name: string): string {
  const b64 = name.replaceAll("-", "+").replaceAll("_", "/");
  return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

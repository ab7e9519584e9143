/**
 * The object store as a directory (`<root>/<bucket>/<key>`), same uris as MinIO. Writes are
 * atomic (temp file + rename), so a reader never sees half an image.
 */
import { dirname, join } from "node:path";
import type { ObjectStore, StoredObject } from "./object_store.ts";
import { parseObjectUri } from "./uri.ts";

const TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  mp4: "video/mp4",
  json: "application/json",
  onnx: "application/octet-stream",
};

export class LocalObjectStore implements ObjectStore {
  readonly kind = "local";
  constructor(readonly root: string) {}

  #path(uri: string): string {
    const { bucket, key } = parseObjectUri(uri); // validated: no "..", no absolute keys
    return join(this.root, bucket, key);
  }

  async put(uri: string, data: Uint8Array, _contentType?: string): Promise<void> {
    const path = this.#path(uri);
    await Deno.mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${crypto.randomUUID()}`;
    await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  }

  async get(uri: string): Promise<StoredObject | null> {
    try {
      const data = await Deno.readFile(this.#path(uri));
      const ext = uri.split(".").pop()?.toLowerCase() ?? "";
      return { data, contentType: TYPES[ext] ?? "application/octet-stream" };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  async delete(uri: string): Promise<void> {
    await Deno.remove(this.#path(uri)).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const base = join(this.root, bucket);
    const out: string[] = [];
    const walk = async (dir: string, rel: string) => {
      let entries: Deno.DirEntry[] = [];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch {
        return;
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory) await walk(join(dir, e.name), r);
        else if (e.isFile && !e.name.includes(".tmp-") && r.startsWith(prefix)) out.push(r);
      }
    };
    await walk(base, "");
    return out.sort();
  }
}

/**
 * Which detector the analyzer runs: the active row of the `models` table — a built-in model
 * converted from npm, or an uploaded ONNX file fetched from the object store into the local
 * cache (checked against its sha256). Without a database the built-in NanoDet-g is used.
 */
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import { ensureCenternetOnnx } from "./centernet_model.ts";
import { ensureNanodetOnnx } from "./nanodet_model.ts";

export interface ModelRow {
  id: string;
  source: "builtin" | "upload";
  uri: string | null;
  sha256: string | null;
}

export const DEFAULT_MODEL: ModelRow = {
  id: "nanodet-g",
  source: "builtin",
  uri: null,
  sha256: null,
};

const BUILTINS: Record<string, (cacheDir: string) => Promise<string>> = {
  "nanodet-g": (d) => ensureNanodetOnnx(d),
  "mobilenetv3-centernet": (d) => ensureCenternetOnnx(d),
};

/** A local ONNX path for the model, fetching or converting it on first use. */
export async function modelPath(
  row: ModelRow,
  store: ObjectStore,
  cacheDir: string,
): Promise<string> {
  if (row.source === "builtin") {
    const ensure = BUILTINS[row.id];
    if (!ensure) throw new Error(`unknown built-in model ${row.id}`);
    return await ensure(cacheDir);
  }
  if (!row.uri || !row.sha256 || !/^[0-9a-f]{64}$/.test(row.sha256)) {
    throw new Error(`model ${row.id} has no object uri or sha256`);
  }
  const path = `${cacheDir}/uploads/${row.sha256}.onnx`;
  try {
    await Deno.stat(path);
    return path;
  } catch { /* not cached yet */ }
  const obj = await store.get(row.uri);
  if (!obj) throw new Error(`model ${row.id}: ${row.uri} is missing from the object store`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", obj.data as BufferSource));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== row.sha256) throw new Error(`model ${row.id}: sha256 mismatch (${hex})`);
  await Deno.mkdir(`${cacheDir}/uploads`, { recursive: true });
  await Deno.writeFile(`${path}.tmp`, obj.data);
  await Deno.rename(`${path}.tmp`, path);
  return path;
}

/** The active model row, or the default when there is none (or no database). */
export async function activeModel(
  query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>,
): Promise<ModelRow> {
  const r = await query("select id, source, uri, sha256 from models where active limit 1");
  return (r.rows[0] as unknown as ModelRow | undefined) ?? DEFAULT_MODEL;
}

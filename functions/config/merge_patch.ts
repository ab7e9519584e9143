/**
 * JSON merge patch (RFC 7396) applied to the settings file's YAML document in place, so what
 * the patch does not touch keeps its comments, formatting, `${NAME}` references and credentials.
 * Semantics: null deletes a key, objects merge recursively, anything else (arrays too) replaces.
 */
import { type Document, isMap } from "yaml";

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Apply `patch` (a JSON object) to the YAML document `doc`. */
export function applyMergePatch(doc: Document, patch: JsonObject, at: string[] = []): void {
  for (const [key, value] of Object.entries(patch)) {
    const path = [...at, key];
    if (value === null) {
      if (doc.hasIn(path)) doc.deleteIn(path);
    } else if (isJsonObject(value) && isMap(doc.getIn(path, true))) {
      applyMergePatch(doc, value, path);
    } else {
      // RFC 7396: an object patched onto a non-object is merged onto {} (its nulls dropped).
      doc.setIn(path, isJsonObject(value) ? withoutNulls(value) : value);
    }
  }
}

/** `value` with every null member removed, recursively (what merging it onto {} yields). */
export function withoutNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    out[k] = isJsonObject(v) ? withoutNulls(v) : v;
  }
  return out;
}

/**
 * Camera ids a patch changes when it touches nothing but `cameras.<id>` subtrees; null when it
 * touches anything else (a top-level key, or `cameras` replaced or deleted as a whole).
 */
export function patchedCameras(patch: JsonObject): string[] | null {
  const keys = Object.keys(patch);
  if (keys.length !== 1 || keys[0] !== "cameras" || !isJsonObject(patch.cameras)) return null;
  return Object.keys(patch.cameras);
}

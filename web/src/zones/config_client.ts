/**
 * Reading and writing the settings through the config function: `GET /api/config` (JSON) with
 * its ETag, and `PUT /api/config` with the whole config (this camera's zones or ground
 * calibration changed) and
 * `If-Match`, so an edit made elsewhere in the meantime is refused (412) instead of lost.
 */
import type { Zones } from "../../../shared/config.ts";
import type { Anchor, Point } from "../../../shared/geometry.ts";
import { apiFetch } from "../session.ts";

export interface ConfigJson {
  cameras: Record<string, { zones?: Zones; anchor?: Anchor; [k: string]: unknown }>;
  [k: string]: unknown;
}

export interface ConfigDoc {
  config: ConfigJson;
  etag: string | null;
}

export interface Issue {
  path: string;
  message: string;
}

export type SaveResult =
  | { ok: true; doc: ConfigDoc }
  | { ok: false; kind: "conflict"; message: string }
  | { ok: false; kind: "invalid"; message: string; issues: Issue[] }
  | { ok: false; kind: "error"; message: string };

export async function fetchConfig(): Promise<ConfigDoc> {
  const res = await apiFetch("/api/config", { headers: { accept: "application/json" } });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET /api/config: ${res.status}`);
  }
  return { config: await res.json(), etag: res.headers.get("etag") };
}

/** The whole config with one camera's zones replaced (the input is not mutated). */
export function withZones(config: ConfigJson, camera: string, zones: Zones): ConfigJson {
  const next = structuredClone(config);
  if (!next.cameras[camera]) throw new Error(`camera ${camera} is not in the config`);
  next.cameras[camera] = { ...next.cameras[camera], zones: structuredClone(zones) };
  return next;
}

/** The whole config with one camera's ground calibration replaced (input not mutated). */
export function withCalibration(
  config: ConfigJson,
  camera: string,
  calibration: { image: Point[]; ground: Point[] },
): ConfigJson {
  const next = structuredClone(config);
  if (!next.cameras[camera]) throw new Error(`camera ${camera} is not in the config`);
  next.cameras[camera] = { ...next.cameras[camera], calibration: structuredClone(calibration) };
  return next;
}

export function saveZones(doc: ConfigDoc, camera: string, zones: Zones): Promise<SaveResult> {
  return putConfig(doc, withZones(doc.config, camera, zones));
}

export function saveCalibration(
  doc: ConfigDoc,
  camera: string,
  calibration: { image: Point[]; ground: Point[] },
): Promise<SaveResult> {
  return putConfig(doc, withCalibration(doc.config, camera, calibration));
}

/** PUT the whole config with If-Match (the document's ETag). */
export async function putConfig(doc: ConfigDoc, config: ConfigJson): Promise<SaveResult> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
  };
  if (doc.etag) headers["if-match"] = doc.etag;
  let res: Response;
  try {
    res = await apiFetch("/api/config", {
      method: "PUT",
      headers,
      body: JSON.stringify(config),
    });
  } catch (e) {
    return { ok: false, kind: "error", message: (e as Error).message };
  }
  const body = await res.json().catch(() => null) as
    | { error?: string; issues?: Issue[] }
    | null;
  if (res.ok) {
    const etag = res.headers.get("etag");
    // Without an ETag in the answer, read back so the next save has a precondition.
    return { ok: true, doc: etag ? { config, etag } : await fetchConfig() };
  }
  if (res.status === 412) {
    return { ok: false, kind: "conflict", message: "changed elsewhere, reload" };
  }
  if (res.status === 422 || res.status === 400) {
    const issues = Array.isArray(body?.issues) ? body.issues : [];
    return { ok: false, kind: "invalid", message: body?.error ?? "invalid config", issues };
  }
  return { ok: false, kind: "error", message: body?.error ?? `${res.status} ${res.statusText}` };
}

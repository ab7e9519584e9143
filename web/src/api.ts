/**
 * Typed calls to the functions' HTTP API (shapes in ARCHITECTURE §4 "Routes"), all through
 * apiFetch so the token rides along. Errors carry the status and the server's message.
 */
import type {
  PassDetail,
  PassReview,
  PassRow,
  PassSample,
  ReviewState,
} from "../../shared/pass_row.ts";
import type { Study, StudyRow } from "../../shared/study.ts";
import type { Verdict } from "../../shared/verdict.ts";
import { apiFetch } from "./session.ts";

export type { PassDetail, PassReview, PassRow, PassSample, ReviewState, Study, StudyRow, Verdict };

export interface CameraInfo {
  id: string;
  status: { fps?: number; infer_ms?: number; online?: boolean; [k: string]: unknown } | null;
  /** Age of the newest frame per link, ms (ARCHITECTURE §8); absent from older servers. */
  staleness?: {
    camera_ms: number | null;
    decode_ms: number | null;
    infer_ms: number | null;
    publish_ms: number | null;
    relay_ms: number | null;
  };
  [k: string]: unknown;
}

export interface PassesPage {
  passes: PassRow[];
  next_cursor: string | null;
}

export interface StatsHour {
  hour: string;
  count: number;
  full_stop: number;
  rolling_stop: number;
  no_stop: number;
}

export interface CameraStatus {
  camera: string;
  fps: number | null;
  infer_ms: number | null;
  lag_ms: number | null;
  dropped: number | null;
  frames: number | null;
  updated_at: string | null;
  online: boolean;
}

export interface Stats {
  passes_per_hour: StatsHour[];
  verdicts: Record<Verdict, number>;
  /** The last bin may be open-ended (`to_s: null`). */
  stop_duration_histogram: { from_s: number; to_s: number | null; count: number }[];
  cameras: CameraStatus[];
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown = null) {
    super(message);
  }
}

/** GET JSON; non-2xx becomes an ApiError with the server's `error` text when it sent one. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await apiFetch(path, { headers: { accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = (body as { error?: string } | null)?.error ?? res.statusText;
    throw new ApiError(res.status, `${res.status} ${msg}`, body);
  }
  return body as T;
}

/** Query string from the set values only. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export interface PassFilter {
  camera?: string;
  verdict?: string;
  after?: string;
  before?: string;
  min_stop_s?: string;
  max_stop_s?: string;
  /** reviewed | unreviewed | disputed */
  review?: string;
}

export function listPasses(f: PassFilter, cursor: string | null, limit = 25) {
  return getJson<PassesPage>(`/api/passes${query({ ...f, limit, cursor })}`);
}

export function getPass(id: string) {
  return getJson<PassDetail>(`/api/passes/${encodeURIComponent(id)}`);
}

export function getStats(f: { camera?: string; after?: string; before?: string }) {
  return getJson<Stats>(`/api/stats${query(f)}`);
}

/** A live analyzer of the fleet (GET /api/cameras `fleet`; empty when not in fleet mode). */
export interface FleetMember {
  holder: string;
  max_cameras: number;
  started_at: string;
  seen_at: string;
  cameras: string[];
}

/** The fleet of analyzers and the cameras each holds (none where /api/cameras is missing). */
export async function getFleet(): Promise<FleetMember[]> {
  try {
    return (await getJson<{ fleet?: FleetMember[] }>("/api/cameras")).fleet ?? [];
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    return [];
  }
}

/** Camera list; falls back to the cameras in /api/config where /api/cameras is missing. */
export async function listCameras(): Promise<CameraInfo[]> {
  try {
    return (await getJson<{ cameras: CameraInfo[] }>("/api/cameras")).cameras;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    const cfg = await getJson<{ cameras: Record<string, unknown> }>("/api/config");
    return Object.keys(cfg.cameras ?? {}).map((id) => ({ id, status: null }));
  }
}

/** Send JSON with `method`; non-2xx becomes an ApiError like getJson. */
export async function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  const res = await apiFetch(path, {
    method,
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = (out as { error?: string } | null)?.error ?? res.statusText;
    throw new ApiError(res.status, `${res.status} ${msg}`, out);
  }
  return out as T;
}

/** The CSV export of the passes a filter selects (a download link: the browser fetches it). */
export function passesCsvPath(f: PassFilter): string {
  return `/api/passes.csv${query({ ...f })}`;
}

export function listReviews(id: string) {
  return getJson<{ pass_id: string; state: ReviewState; reviews: PassReview[] }>(
    `/api/passes/${encodeURIComponent(id)}/reviews`,
  );
}

/** `{correct: true}` or `{correct: false, verdict, note}`. */
export function postReview(
  id: string,
  review: { correct: true; note?: string } | { correct: false; verdict: Verdict; note?: string },
) {
  return sendJson<{ state: ReviewState; review: PassReview }>(
    "POST",
    `/api/passes/${encodeURIComponent(id)}/reviews`,
    review,
  );
}

export function setKeep(id: string, keep: boolean) {
  return sendJson<{ pass_id: string; keep: boolean }>(
    "PUT",
    `/api/passes/${encodeURIComponent(id)}/keep`,
    { keep },
  );
}

export interface VerdictQuality {
  judged: number;
  actual: number;
  correct: number;
  precision: number | null;
  recall: number | null;
}

export interface ReviewStats {
  reviewed: number;
  accuracy: number | null;
  verdicts: Record<Verdict, VerdictQuality>;
  /** confusion[judged][actual] */
  confusion: Record<Verdict, Record<Verdict, number>>;
}

export function getReviewStats(f: { camera?: string; after?: string; before?: string }) {
  return getJson<ReviewStats>(`/api/stats/reviews${query(f)}`);
}

export interface RecordPass {
  id: string;
  camera: string;
  label: string;
  verdict: Verdict;
  entered_at: string;
  exited_at: string;
  stop_duration_s: number;
  entry_speed_px_s: number;
  entry_speed_mps: number | null;
  image_url: string | null;
}

export interface Records {
  longest_stops: RecordPass[];
  fastest_no_stops: RecordPass[];
  recent_violations: RecordPass[];
}

export function getRecords(f: { camera?: string; limit?: number }) {
  return getJson<Records>(`/api/stats/records${query(f)}`);
}

export interface StudyQuery {
  camera: string;
  from: string;
  to: string;
  bin: string;
}

export function getStudy(q: StudyQuery) {
  return getJson<Study>(`/api/study${query({ ...q })}`);
}

export function studyCsvPath(q: StudyQuery): string {
  return `/api/study${query({ ...q, format: "csv" })}`;
}

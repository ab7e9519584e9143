/**
 * What the live page needs from its tick feed, whatever carries it: the relay's `/ws`
 * ({@link TickSocket}) or Supabase Realtime broadcast (RealtimeTickSource). Both validate every
 * message with {@link dispatchTickMessage}, so a malformed tick is counted and dropped, never drawn.
 */
import { parseTick, type Tick } from "../../../shared/tick.ts";
import { type AnalyzerState, parseAnalyzerStatus } from "../../../shared/status.ts";

export type SocketState = "connecting" | "open" | "closed";
export type AnalyzerStatus = AnalyzerState;

export interface TickCallbacks {
  onTick: (tick: Tick) => void;
  onStatus?: (analyzer: AnalyzerStatus) => void;
  onState?: (state: SocketState) => void;
  /** Other versioned messages (track_event, pass, ...). */
  onEvent?: (msg: Record<string, unknown>) => void;
}

export interface TickSource {
  start(): void;
  stop(): void;
  readonly state: SocketState;
  /** Messages rejected by validation. */
  readonly invalid: number;
}

/**
 * Validate one decoded message and hand it to the matching callback: a tick (shared schema),
 * an analyzer status, or another versioned message. False when it is none of them (invalid).
 */
export function dispatchTickMessage(msg: unknown, cb: TickCallbacks): boolean {
  if (typeof msg !== "object" || msg === null) return false;
  const m = msg as Record<string, unknown>;
  if (m.type === "tick") {
    const r = parseTick(m);
    if (!r.ok) return false;
    cb.onTick(r.value);
  } else if (m.type === "status" && m.v === 1) {
    const analyzer = parseAnalyzerStatus(m);
    if (analyzer) cb.onStatus?.(analyzer);
  } else if (m.v === 1 && typeof m.type === "string") {
    cb.onEvent?.(m);
  } else {
    return false;
  }
  return true;
}

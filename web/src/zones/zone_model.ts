/**
 * The zone editor's state, without DOM: the saved zones, the working copy, an undo stack of
 * edits since the last save, and the mapping from server validation paths to the point they
 * name. Points are normalized [x, y] in [0, 1] (source frame, origin top-left).
 */
import type { Point } from "../../../shared/geometry.ts";
import type { Zones } from "../../../shared/config.ts";

export type ZoneKey = "stop_zone" | "pre_stop_line" | "capture_line";
export const ZONE_KEYS: ZoneKey[] = ["stop_zone", "pre_stop_line", "capture_line"];

export interface Handle {
  key: ZoneKey;
  index: number;
}

/** Stable id of a point handle, e.g. "stop_zone.2" (also the DOM data-handle). */
export function handleId(h: Handle): string {
  return `${h.key}.${h.index}`;
}

const _clone = (z: Zones): Zones => structuredClone(z);

/** All point handles of a zone set, in drawing order. */
export function handlesOf(z: Zones): (Handle & { point: Point })[] {
  const out: (Handle & { point: Point })[] = [];
  for (const key of ZONE_KEYS) {
    (z[key] ?? []).forEach((p, index) => out.push({ key, index, point: p as Point }));
  }
  return out;
}

/** A sensible starting set for a camera that has no zones yet. */
export function defaultZones(): Zones {
  return {
    stop_zone: [[0.4, 0.45], [0.6, 0.45], [0.6, 0.7], [0.4, 0.7]],
    pre_stop_line: [[0.3, 0.4], [0.3, 0.75]],
    capture_line: [[0.7, 0.4], [0.7, 0.75]],
  };
}

export class ZoneEditModel {
  #saved: Zones;
  #current: Zones;
  #undo: Zones[] = [];

  constructor(saved: Zones, readonly maxUndo = 50) {
    this.#saved = _clone(saved);
    this.#current = _clone(saved);
  }

  get current(): Zones {
    return this.#current;
  }

  get saved(): Zones {
    return this.#saved;
  }

  get dirty(): boolean {
    return JSON.stringify(this.#current) !== JSON.stringify(this.#saved);
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  /** Snapshot before an edit (a drag is one edit however many moves it makes). */
  beginEdit(): void {
    this.#undo.push(_clone(this.#current));
    if (this.#undo.length > this.maxUndo) this.#undo.shift();
  }

  movePoint(h: Handle, p: Point): void {
    const list = this.#current[h.key] as Point[] | undefined;
    if (!list || h.index < 0 || h.index >= list.length) return;
    list[h.index] = [p[0], p[1]];
  }

  /** Drop an edit that changed nothing (a click on a handle), keeping undo meaningful. */
  endEdit(): void {
    const last = this.#undo.at(-1);
    if (last && JSON.stringify(last) === JSON.stringify(this.#current)) this.#undo.pop();
  }

  undo(): boolean {
    const prev = this.#undo.pop();
    if (!prev) return false;
    this.#current = prev;
    return true;
  }

  /** Back to what the server has (undoable). */
  revert(): void {
    if (!this.dirty) return;
    this.beginEdit();
    this.#current = _clone(this.#saved);
  }

  /** The server accepted the working copy. */
  markSaved(): void {
    this.#saved = _clone(this.#current);
    this.#undo = [];
  }
}

/**
 * The handle a server validation path names, e.g. "cameras.cam_02.zones.stop_zone.1.0" or
 * "zones.capture_line.1" -> stop_zone point 1 / capture_line point 1. Paths naming a whole
 * zone give index -1; paths about something else give null.
 */
export function handleForPath(path: string): Handle | null {
  const parts = path.split(/[.[\]/]+/).filter(Boolean);
  const at = parts.findIndex((p) => (ZONE_KEYS as string[]).includes(p));
  if (at < 0) return null;
  const index = Number(parts[at + 1]);
  return { key: parts[at] as ZoneKey, index: Number.isInteger(index) ? index : -1 };
}

/**
 * A simple IoU tracker (the walking skeleton's; ByteTrack replaces it with the stop judge).
 * Greedy association by IoU within a class group, confirmation after `minHits`, removal after
 * `maxAgeMs` of capture time without a match. Speed is smoothed from capture timestamps, so it
 * does not depend on how fast the machine processes frames.
 */
import { type Box, iou } from "../../shared/geometry.ts";

export interface Detection {
  label: string;
  conf: number;
  /** x, y, w, h in source pixels. */
  box: Box;
}

export interface Track {
  id: number;
  label: string;
  conf: number;
  box: Box;
  /** Smoothed centre speed, source px/s. */
  speed: number;
  hits: number;
  confirmed: boolean;
  firstTs: number;
  lastTs: number;
}

export interface TrackerOptions {
  iouThreshold?: number;
  minHits?: number;
  maxAgeMs?: number;
  /** Confirmed tracks missed for at most this long are still reported (bridges flicker). */
  reportMissedMs?: number;
  /** Speed smoothing factor per update (0..1, higher follows faster). */
  speedAlpha?: number;
}

/** Detectors confuse car/truck/bus; they are one object for association. */
const VEHICLES = new Set(["car", "truck", "bus", "motorcycle"]);

export function classGroup(label: string): string {
  return VEHICLES.has(label) ? "vehicle" : label;
}

export class IouTracker {
  readonly #opts: Required<TrackerOptions>;
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(opts: TrackerOptions = {}) {
    this.#opts = {
      iouThreshold: opts.iouThreshold ?? 0.3,
      minHits: opts.minHits ?? 2,
      maxAgeMs: opts.maxAgeMs ?? 1000,
      reportMissedMs: opts.reportMissedMs ?? 300,
      speedAlpha: opts.speedAlpha ?? 0.4,
    };
  }

  /** Associate one frame's detections (capture time `ts`, ms); returns the tracks to show. */
  update(dets: Detection[], ts: number): Track[] {
    const pairs: { t: number; d: number; iou: number }[] = [];
    for (let t = 0; t < this.#tracks.length; t++) {
      for (let d = 0; d < dets.length; d++) {
        if (classGroup(this.#tracks[t].label) !== classGroup(dets[d].label)) continue;
        const v = iou(this.#tracks[t].box, dets[d].box);
        if (v >= this.#opts.iouThreshold) pairs.push({ t, d, iou: v });
      }
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    for (const p of pairs) {
      if (usedT.has(p.t) || usedD.has(p.d)) continue;
      usedT.add(p.t);
      usedD.add(p.d);
      this.#match(this.#tracks[p.t], dets[p.d], ts);
    }
    this.#tracks = this.#tracks.filter((tr, i) =>
      usedT.has(i) || (tr.confirmed && ts - tr.lastTs <= this.#opts.maxAgeMs)
    );
    for (let d = 0; d < dets.length; d++) {
      if (usedD.has(d)) continue;
      this.#tracks.push({
        id: 0, // assigned on confirmation, so flickering false positives never burn ids
        label: dets[d].label,
        conf: dets[d].conf,
        box: dets[d].box,
        speed: 0,
        hits: 1,
        confirmed: this.#opts.minHits <= 1,
        firstTs: ts,
        lastTs: ts,
      });
      if (this.#opts.minHits <= 1) this.#tracks[this.#tracks.length - 1].id = this.#nextId++;
    }
    return this.#tracks.filter((t) => t.confirmed && ts - t.lastTs <= this.#opts.reportMissedMs);
  }

  get size(): number {
    return this.#tracks.length;
  }

  #match(tr: Track, det: Detection, ts: number): void {
    const dt = (ts - tr.lastTs) / 1000;
    if (dt > 0) {
      const dx = det.box[0] + det.box[2] / 2 - (tr.box[0] + tr.box[2] / 2);
      const dy = det.box[1] + det.box[3] / 2 - (tr.box[1] + tr.box[3] / 2);
      const inst = Math.hypot(dx, dy) / dt;
      tr.speed = tr.hits === 1 ? inst : tr.speed + this.#opts.speedAlpha * (inst - tr.speed);
    }
    tr.box = det.box;
    tr.label = det.label;
    tr.conf = det.conf;
    tr.lastTs = ts;
    tr.hits++;
    if (!tr.confirmed && tr.hits >= this.#opts.minHits) {
      tr.confirmed = true;
      tr.id = this.#nextId++;
    }
  }
}

/**
 * Detector adapters as a registry (the way Frigate's detectors/detector_types.py finds its
 * plugins): each family's adapter file registers the kinds it decodes, its preprocessing and a
 * constructor; families.ts imports them all. Which family a model belongs to is recognized from
 * its shapes by shared/model/ (the functions validate uploads with the same recognizers), so a
 * new family is a recognizer in shared/model/families/ and an adapter here, one registration
 * line each.
 */
import type { ModelLayout } from "../../shared/model/model_layout.ts";
import type { AdapterOptions, Detector, SessionSpec } from "./detector.ts";
import type { Normalization } from "./preprocess.ts";

export interface DetectorFamily {
  /** Layout kinds this adapter decodes (shared/model recognizer kinds). */
  kinds: readonly string[];
  /** The input normalization the family was trained with, for an input of this layout. */
  norm(inputLayout: "nchw" | "nhwc"): Normalization;
  create(spec: SessionSpec, layout: ModelLayout, opts: AdapterOptions): Detector;
}

const _byKind = new Map<string, DetectorFamily>();

export function registerDetectorFamily(family: DetectorFamily): void {
  for (const kind of family.kinds) {
    if (_byKind.has(kind)) throw new Error(`detector kind ${kind} registered twice`);
    _byKind.set(kind, family);
  }
}

/** The adapter family for a recognized layout kind. */
export function detectorFamily(kind: string): DetectorFamily {
  const f = _byKind.get(kind);
  if (!f) throw new Error(`no detector adapter for model kind ${kind}`);
  return f;
}

/** Every registered kind (for messages and tests). */
export function detectorKinds(): string[] {
  return [..._byKind.keys()];
}

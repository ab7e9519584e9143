/**
 * Detector output-layout recognition as a registry (the way Frigate's detector_types finds its
 * plugins): each family's recognizer lives in its own file under families/ and registers itself
 * here; model_layout.ts imports them all. Pure TypeScript, so the functions can validate an upload
 * from its declared shapes and the analyzer can identify a loaded model from its real ones with
 * the same code.
 */

/** What recognition found; each family extends it with what its decoder needs. */
export interface ModelLayout {
  /** Family kind, e.g. "nanodet", "yolov8": also the key of the analyzer's adapter registry. */
  kind: string;
  numClasses: number;
}

export interface LayoutQuery {
  inputW: number;
  inputH: number;
  inputLayout: "nchw" | "nhwc";
  /** Concrete output shapes. */
  outputs: readonly { name: string; shape: readonly number[] }[];
  /** Class names from the model's metadata, when it has them. */
  names: readonly string[] | null;
}

/**
 * A layout, `{ not: why }` when the outputs look like this family but are not, or null when the
 * family does not apply at all (nothing worth saying).
 */
export type Recognition = ModelLayout | { not: string } | null;

export interface LayoutRecognizer {
  /** Family name for people, e.g. "NanoDet". */
  family: string;
  /** The shapes it reads, for the "Supported:" list of the error message. */
  supported: string;
  /** Input layouts its decoder's preprocessing feeds (default: both). */
  inputLayouts?: readonly ("nchw" | "nhwc")[];
  recognize(q: LayoutQuery): Recognition;
}

const _recognizers: LayoutRecognizer[] = [];

/** Adds a family; recognizers are tried in registration order. */
export function registerLayout(r: LayoutRecognizer): void {
  if (_recognizers.some((x) => x.family === r.family)) {
    throw new Error(`layout family ${r.family} registered twice`);
  }
  _recognizers.push(r);
}

/** The registered families, in the order they are tried. */
export function layoutFamilies(): readonly LayoutRecognizer[] {
  return _recognizers;
}

function _shapes(outputs: LayoutQuery["outputs"]): string {
  return outputs.map((o) => `${o.name} [${o.shape.join(",")}]`).join(", ");
}

/**
 * The first registered family that recognizes the outputs. Throws an Error naming every shape
 * found, why each family said no, and the layouts supported when nothing matches.
 */
export function recognizeLayout(
  q: LayoutQuery,
  declaredInput: readonly (number | string)[] = [],
): ModelLayout {
  const why: string[] = [];
  for (const r of _recognizers) {
    const found = r.recognize(q);
    if (found && "not" in found) why.push(found.not);
    else if (found) {
      if (r.inputLayouts && !r.inputLayouts.includes(q.inputLayout)) {
        throw new Error(
          `a ${found.kind} model with a ${q.inputLayout.toUpperCase()} input is not supported`,
        );
      }
      return found;
    }
  }
  const input = declaredInput.length ? ` (declared [${declaredInput.join(",")}])` : "";
  throw new Error(
    `unrecognised detector layout: input ${q.inputLayout.toUpperCase()} ${q.inputW}x${q.inputH}${input}; ` +
      `outputs ${_shapes(q.outputs)}` + (why.length ? ` (${why.join("; ")})` : "") +
      `. Supported: ${_recognizers.map((r) => r.supported).join(", ")}`,
  );
}

/**
 * What every detector returns and the tracker consumes: one labelled box. Its own module (no
 * onnxruntime) so the tracker and pipeline can name it without loading the detector runtime.
 */
import type { Box } from "../../shared/geometry.ts";

export interface Detection {
  label: string;
  conf: number;
  /** x, y, w, h in source pixels. */
  box: Box;
  /**
   * The label is in doubt (a cyclist the detector also calls a motorcycle,
   * analyzer/pipeline/two_wheelers.ts): the tracker uses it as a low-score detection.
   */
  doubtful?: true;
  /** The box is a detection region's, not the full frame's (analyzer/pipeline/regions.ts). */
  region?: true;
}

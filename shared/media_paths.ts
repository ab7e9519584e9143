/**
 * Media paths derived from a camera (issue #14 §5, §6): the analysis burned into the video
 * (`<cam>_annotated`) and the H.264 copy of an H.265 camera (`<cam>_h264`). A derived path is
 * watched under its camera's access (the `cameras` claim names cameras, not paths). Browser-safe.
 */

export const ANNOTATED_SUFFIX = "_annotated";
export const H264_COPY_SUFFIX = "_h264";

/** `<camera>_annotated`: boxes, ids, zone and stop timers drawn by the analyzer. */
export function annotatedPath(camera: string): string {
  return `${camera}${ANNOTATED_SUFFIX}`;
}

/** `<camera>_h264`: the transcode sidecar's H.264 copy of an H.265 camera. */
export function h264CopyPath(camera: string): string {
  return `${camera}${H264_COPY_SUFFIX}`;
}

/** The camera a media path shows: the path without a derived suffix (else the path itself). */
export function cameraOfMediaPath(path: string): string {
  for (const suffix of [ANNOTATED_SUFFIX, H264_COPY_SUFFIX]) {
    if (path.length > suffix.length && path.endsWith(suffix)) return path.slice(0, -suffix.length);
  }
  return path;
}

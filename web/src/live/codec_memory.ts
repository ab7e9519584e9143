/**
 * The codec each camera was last listed with (`GET /api/cameras`), remembered in localStorage,
 * so the live page can start a known camera's video at once on the right media path (an H.265
 * camera plays its `<cam>_h264` copy) instead of waiting for the camera list first: in the dev
 * stack that wait put the first overlay at ~3.2 s after page load instead of ~0.8 s.
 */

/**
 * How long an unknown camera's video waits for the camera list before it starts anyway (its
 * first visit in this browser only; overlays never wait). Kept at the earlier 1.5 s: at load 20-22
 * the list took over 1 s in web/h265_test.ts, and with 300 ms or 1 s an H.265 camera's original
 * was asked for before its copy.
 */
export const CODEC_WAIT_MS = 1500;

const _key = (camera: string) => `stopline.codec.${camera}`;
const _CODEC = /^[a-z0-9]{1,16}$/;

/** The remembered codec ("h264", "h265", ...), or null when unknown. */
export function loadCodec(
  camera: string,
  storage: Pick<Storage, "getItem"> = globalThis.localStorage,
): string | null {
  try {
    const c = storage.getItem(_key(camera));
    return c && _CODEC.test(c) ? c : null;
  } catch {
    return null;
  }
}

export function saveCodec(
  camera: string,
  codec: string,
  storage: Pick<Storage, "setItem"> = globalThis.localStorage,
): void {
  if (!_CODEC.test(codec)) return;
  try {
    storage.setItem(_key(camera), codec);
  } catch { /* storage disabled: the list is awaited (briefly) on every visit */ }
}

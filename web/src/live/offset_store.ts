/**
 * The per-camera overlay time offset (ms) the operator sets with the slider, persisted in
 * localStorage: a positive offset shows metadata later (the video is later than estimated).
 */

export const OFFSET_MIN_MS = -1000;
export const OFFSET_MAX_MS = 3000;

const _key = (camera: string) => `stopline.offset.${camera}`;

export function clampOffset(ms: number): number {
  if (!Number.isFinite(ms)) return 0;
  return Math.round(Math.min(OFFSET_MAX_MS, Math.max(OFFSET_MIN_MS, ms)));
}

export function loadOffset(camera: string, storage: Pick<Storage, "getItem"> = localStorage) {
  try {
    return clampOffset(Number(storage.getItem(_key(camera)) ?? 0));
  } catch {
    return 0;
  }
}

export function saveOffset(
  camera: string,
  ms: number,
  storage: Pick<Storage, "setItem"> = localStorage,
): void {
  try {
    storage.setItem(_key(camera), String(clampOffset(ms)));
  } catch { /* storage disabled: the offset lasts for this page */ }
}

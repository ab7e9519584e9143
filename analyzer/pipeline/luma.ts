/**
 * The BT.601 luma (0..255, unrounded) of the RGB24 pixel starting at byte `i`: what the motion
 * detector's grey plate and the shake estimate's blocks compare.
 */
export function lumaAt(data: Uint8Array, i: number): number {
  return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
}

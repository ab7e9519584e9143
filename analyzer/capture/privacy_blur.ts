/**
 * Privacy for published evidence (issue #13 §6, people only): the regions of people in a crop are
 * pixelated before it is encoded, so the stored crop never holds a face. A mosaic of coarse
 * blocks, not a blur a deconvolution could undo: every block is one average colour, at least
 * MIN_BLOCK_PX and at least 1/BLOCKS_ACROSS of the region's longer side.
 */
import type { Box } from "../../shared/geometry.ts";

export const MIN_BLOCK_PX = 8;
export const BLOCKS_ACROSS = 6;

/** The block size used for a region of this size. */
export function blockSizeFor(region: Box): number {
  return Math.max(MIN_BLOCK_PX, Math.ceil(Math.max(region[2], region[3]) / BLOCKS_ACROSS));
}

/**
 * Pixelates `regions` (x, y, w, h in the image's own px; clamped) of an RGBA image in place.
 * Blocks are laid from each region's top-left corner.
 */
export function pixelateRegions(
  rgba: Uint8Array,
  width: number,
  height: number,
  regions: readonly Box[],
): void {
  for (const r of regions) {
    const x0 = Math.max(0, Math.floor(r[0]));
    const y0 = Math.max(0, Math.floor(r[1]));
    const x1 = Math.min(width, Math.ceil(r[0] + r[2]));
    const y1 = Math.min(height, Math.ceil(r[1] + r[3]));
    if (x1 <= x0 || y1 <= y0) continue;
    const block = blockSizeFor(r);
    for (let by = y0; by < y1; by += block) {
      for (let bx = x0; bx < x1; bx += block) {
        const ex = Math.min(x1, bx + block);
        const ey = Math.min(y1, by + block);
        let sr = 0, sg = 0, sb = 0;
        for (let y = by; y < ey; y++) {
          for (let x = bx; x < ex; x++) {
            const i = (y * width + x) * 4;
            sr += rgba[i];
            sg += rgba[i + 1];
            sb += rgba[i + 2];
          }
        }
        const n = (ex - bx) * (ey - by);
        const [mr, mg, mb] = [Math.round(sr / n), Math.round(sg / n), Math.round(sb / n)];
        for (let y = by; y < ey; y++) {
          for (let x = bx; x < ex; x++) {
            const i = (y * width + x) * 4;
            rgba[i] = mr;
            rgba[i + 1] = mg;
            rgba[i + 2] = mb;
          }
        }
      }
    }
  }
}

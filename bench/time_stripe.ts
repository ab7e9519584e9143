/**
 * A wall-clock time written into a video frame's pixels, and read back from a decoded frame:
 * the glass-to-glass harness (bench/glass_to_glass.ts) stamps each frame with the time it was
 * produced and the page reads the stamp of the frame it displays.
 *
 * The stamp is a stripe of STRIPE_BLOCKS square blocks (two rows across the top of the frame),
 * black or white: 32 bits of the time in ms (mod 2^32, so about 49 days before it wraps) and an
 * 8-bit checksum, so a frame whose stripe the codec smeared is rejected instead of misread.
 * Blocks are 1/20 of the frame width: 16 px at 320 wide, one H.264 macroblock, which survives
 * compression at ordinary quality.
 */

export const STRIPE_COLUMNS = 20;
export const STRIPE_ROWS = 2;
export const STRIPE_BLOCKS = STRIPE_COLUMNS * STRIPE_ROWS;
/** Luma of a 1 and a 0 bit (video range, so no encoder clips them). */
const _WHITE = 235;
const _BLACK = 16;

/**
 * CRC-8 (polynomial 0x07, initial 0xff) of the stamp's four bytes. The initial value makes an
 * all-black or all-white stripe (no stamp at all) fail the check.
 */
export function stampChecksum(value: number): number {
  let crc = 0xff;
  for (const byte of [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The 40 bits for a time in ms: 32 of `ms mod 2^32`, most significant first, then the CRC. */
export function stampBits(epochMs: number): number[] {
  const value = Math.floor(epochMs) % 2 ** 32;
  const bits: number[] = [];
  for (let i = 31; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) % 2);
  const crc = stampChecksum(value);
  for (let i = 7; i >= 0; i--) bits.push((crc >> i) & 1);
  return bits;
}

/** Draw the stamp of `epochMs` into a grayscale (one byte per pixel) frame. */
export function drawStamp(frame: Uint8Array, width: number, epochMs: number): void {
  const block = Math.floor(width / STRIPE_COLUMNS);
  const bits = stampBits(epochMs);
  for (let b = 0; b < STRIPE_BLOCKS; b++) {
    const x0 = (b % STRIPE_COLUMNS) * block;
    const y0 = Math.floor(b / STRIPE_COLUMNS) * block;
    const v = bits[b] ? _WHITE : _BLACK;
    for (let y = y0; y < y0 + block; y++) frame.fill(v, y * width + x0, y * width + x0 + block);
  }
}

/**
 * Read a stamp from RGBA pixels (a canvas `getImageData` of the frame at any size): the time
 * in ms mod 2^32, or null when the checksum does not match. Self-contained (no imports, no
 * outer names), so a page can run it from its source text.
 */
export function readStamp(rgba: Uint8ClampedArray, width: number, height: number): number | null {
  const columns = 20;
  const blockW = width / columns;
  // Square blocks: the stripe is two blocks tall whatever the frame's height.
  const blockH = blockW;
  if (height < 2 * blockH || blockW < 2) return null;
  const bits: number[] = [];
  for (let b = 0; b < 40; b++) {
    // The middle half of each block: its edges are where the codec blurs.
    const x0 = Math.floor((b % columns) * blockW + blockW / 4);
    const y0 = Math.floor(Math.floor(b / columns) * blockH + blockH / 4);
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y0 + blockH / 2; y++) {
      for (let x = x0; x < x0 + blockW / 2; x++) {
        const i = (y * width + x) * 4;
        sum += (rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3;
        n++;
      }
    }
    bits.push(n && sum / n > 128 ? 1 : 0);
  }
  let value = 0;
  for (let i = 0; i < 32; i++) value = value * 2 + bits[i];
  let crcRead = 0;
  for (let i = 32; i < 40; i++) crcRead = crcRead * 2 + bits[i];
  let crc = 0xff;
  for (const byte of [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc === crcRead ? value : null;
}

/** ms from a stamp (`ms mod 2^32`) to a later wall-clock time; negative if the stamp is ahead. */
export function msSinceStamp(stamp: number, epochMs: number): number {
  let d = (Math.round(epochMs) - stamp) % 2 ** 32;
  if (d < 0) d += 2 ** 32;
  return d > 2 ** 31 ? d - 2 ** 32 : d;
}

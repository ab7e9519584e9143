/**
 * The compositor: every frame is drawn in TypeScript (sub-pixel, alpha-blended). Chosen over
 * ffmpeg's `overlay` filter, which truncates x/y to integers and, for yuv420, to even pixels,
 * making the truth 1-2 px off; here the drawn position is exact.
 */
import { type RawImage, readImage } from "./png.ts";
import {
  activeOccluders,
  DEFAULT_BACKGROUND,
  DEFAULT_SPRITE,
  type OccluderSpec,
  pathAt,
  resolvePath,
  type SceneSpec,
} from "./spec.ts";

/** Sprite prepared for sub-pixel blitting: premultiplied float RGBA with a 1 px clear border. */
export interface PreparedSprite {
  w: number;
  h: number;
  pw: number;
  pm: Float32Array;
}

function _prepareSprite(img: RawImage, flip: boolean): PreparedSprite {
  if (img.channels !== 4) throw new Error("sprite must be RGBA");
  const w = img.width, h = img.height, pw = w + 2;
  const pm = new Float32Array(pw * (h + 2) * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + (flip ? w - 1 - x : x)) * 4;
      const d = ((y + 1) * pw + x + 1) * 4;
      const a = img.data[s + 3] / 255;
      pm[d] = img.data[s] * a;
      pm[d + 1] = img.data[s + 1] * a;
      pm[d + 2] = img.data[s + 2] * a;
      pm[d + 3] = a;
    }
  }
  return { w, h, pw, pm };
}

/**
 * Draw a sprite with its top-left corner at the real-valued (left, top), bilinear-resampled so
 * the drawn position is exact to sub-pixel; at integer positions the sprite is copied unchanged.
 */
function _blit(
  frame: Uint8Array,
  W: number,
  H: number,
  sp: PreparedSprite,
  left: number,
  top: number,
) {
  const x0 = Math.max(0, Math.floor(left)), x1 = Math.min(W, Math.ceil(left + sp.w));
  const y0 = Math.max(0, Math.floor(top)), y1 = Math.min(H, Math.ceil(top + sp.h));
  const pm = sp.pm, pw = sp.pw;
  for (let Y = y0; Y < y1; Y++) {
    const sy = Y - top, iy = Math.floor(sy), fy = sy - iy;
    const r0 = (iy + 1) * pw, r1 = (iy + 2) * pw;
    for (let X = x0; X < x1; X++) {
      const sx = X - left, ix = Math.floor(sx), fx = sx - ix;
      const a00 = (1 - fx) * (1 - fy), a01 = fx * (1 - fy), a10 = (1 - fx) * fy, a11 = fx * fy;
      const p00 = (r0 + ix + 1) * 4, p01 = p00 + 4, p10 = (r1 + ix + 1) * 4, p11 = p10 + 4;
      const a = a00 * pm[p00 + 3] + a01 * pm[p01 + 3] + a10 * pm[p10 + 3] + a11 * pm[p11 + 3];
      if (a <= 0) continue;
      const o = (Y * W + X) * 3, k = 1 - a;
      for (let c = 0; c < 3; c++) {
        const v = a00 * pm[p00 + c] + a01 * pm[p01 + c] + a10 * pm[p10 + c] + a11 * pm[p11 + c] +
          k * frame[o + c];
        frame[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

function _fill(frame: Uint8Array, W: number, H: number, o: OccluderSpec) {
  const [r, g, b] = o.color ?? [128, 128, 128];
  const x0 = Math.max(0, Math.round(o.x)), x1 = Math.min(W, Math.round(o.x + o.w));
  const y0 = Math.max(0, Math.round(o.y)), y1 = Math.min(H, Math.round(o.y + o.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * W + x) * 3;
      frame[p] = r;
      frame[p + 1] = g;
      frame[p + 2] = b;
    }
  }
}

/** Composite one frame (RGB24, width*height*3) of a scene at frame index i. */
export function composeFrame(
  spec: SceneSpec,
  assets: SceneAssets,
  i: number,
  frame: Uint8Array = new Uint8Array(spec.width * spec.height * 3),
): Uint8Array {
  const W = spec.width, H = spec.height, t = i / spec.fps;
  frame.set(assets.background.data);
  spec.vehicles.forEach((v, k) => {
    const p = pathAt(v.path, t);
    if (!p) return;
    const sp = assets.sprites[k];
    _blit(frame, W, H, sp, p.x - sp.w / 2, p.y - sp.h / 2);
  });
  for (const o of activeOccluders(spec, t)) _fill(frame, W, H, o);
  return frame;
}

/** Decoded background and sprites of a scene. */
export interface SceneAssets {
  background: RawImage;
  sprites: PreparedSprite[];
}

/** Load the background (scaled to the scene size) and the sprites of a spec. */
export async function loadAssets(spec: SceneSpec, ffmpeg?: string): Promise<SceneAssets> {
  const background = await readImage(resolvePath(spec.background ?? DEFAULT_BACKGROUND), 3, {
    ffmpeg,
    width: spec.width,
    height: spec.height,
  });
  const cache = new Map<string, RawImage>();
  const sprites: PreparedSprite[] = [];
  for (const v of spec.vehicles) {
    const p = resolvePath(v.sprite ?? DEFAULT_SPRITE);
    if (!cache.has(p)) cache.set(p, await readImage(p, 4, { ffmpeg }));
    sprites.push(_prepareSprite(cache.get(p)!, v.flip ?? false));
  }
  return { background, sprites };
}

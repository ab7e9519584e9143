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
  pathDepthAt,
  resolvePath,
  type SceneSpec,
  shakeAt,
} from "./spec.ts";
import { pinholeOf, roadPlate } from "./pinhole.ts";

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

/**
 * Draw a sprite scaled by `scale` with its top-left corner at (left, top): each target pixel
 * averages n x n bilinear samples (n = ceil(1 / scale)), so a shrunk sprite is smoothed as a
 * camera would, not aliased.
 */
function _blitScaled(
  frame: Uint8Array,
  W: number,
  H: number,
  sp: PreparedSprite,
  left: number,
  top: number,
  scale: number,
) {
  const dw = sp.w * scale, dh = sp.h * scale;
  const x0 = Math.max(0, Math.floor(left)), x1 = Math.min(W, Math.ceil(left + dw));
  const y0 = Math.max(0, Math.floor(top)), y1 = Math.min(H, Math.ceil(top + dh));
  const n = Math.max(1, Math.ceil(1 / scale));
  const pm = sp.pm, pw = sp.pw;
  const acc = [0, 0, 0, 0];
  for (let Y = y0; Y < y1; Y++) {
    for (let X = x0; X < x1; X++) {
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          // Sample point in sprite pixels (sprite pixel centres at k + 0.5).
          const sx = (X + (i + 0.5) / n - left) / scale - 0.5;
          const sy = (Y + (j + 0.5) / n - top) / scale - 0.5;
          if (sx <= -1 || sy <= -1 || sx >= sp.w || sy >= sp.h) continue;
          const ix = Math.floor(sx), iy = Math.floor(sy), fx = sx - ix, fy = sy - iy;
          const p00 = ((iy + 1) * pw + ix + 1) * 4, p01 = p00 + 4;
          const p10 = ((iy + 2) * pw + ix + 1) * 4, p11 = p10 + 4;
          const a00 = (1 - fx) * (1 - fy), a01 = fx * (1 - fy), a10 = (1 - fx) * fy, a11 = fx * fy;
          for (let c = 0; c < 4; c++) {
            acc[c] += a00 * pm[p00 + c] + a01 * pm[p01 + c] + a10 * pm[p10 + c] + a11 * pm[p11 + c];
          }
        }
      }
      const a = acc[3] / (n * n);
      if (a <= 0) continue;
      const o = (Y * W + X) * 3, k = 1 - a;
      for (let c = 0; c < 3; c++) {
        const v = acc[c] / (n * n) + k * frame[o + c];
        frame[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

/** Copy the plate shifted by (dx, dy) whole pixels, repeating the edge rows and columns. */
function _shiftedPlate(
  frame: Uint8Array,
  plate: Uint8Array,
  W: number,
  H: number,
  dx: number,
  dy: number,
) {
  for (let y = 0; y < H; y++) {
    const sy = Math.min(H - 1, Math.max(0, y - dy));
    for (let x = 0; x < W; x++) {
      const sx = Math.min(W - 1, Math.max(0, x - dx));
      const s = (sy * W + sx) * 3, d = (y * W + x) * 3;
      frame[d] = plate[s];
      frame[d + 1] = plate[s + 1];
      frame[d + 2] = plate[s + 2];
    }
  }
}

/** Dusk and sensor noise: a deterministic (seeded by the frame index) Gaussian per pixel. */
function _grade(frame: Uint8Array, brightness: number, sigma: number, i: number) {
  let seed = (i * 2654435761 + 12345) >>> 0;
  const rnd = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return (seed + 0.5) / 4294967296;
  };
  for (let p = 0; p < frame.length; p++) {
    let v = frame[p] * brightness;
    if (sigma > 0) v += sigma * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    frame[p] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
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
  const [ox, oy] = shakeAt(spec, i);
  if (ox || oy) _shiftedPlate(frame, assets.background.data, W, H, ox, oy);
  else frame.set(assets.background.data);
  // Far vehicles first, so a nearer one covers them (depth order = larger scale in front).
  const order = spec.vehicles.map((v, k) => ({ v, k, d: pathDepthAt(v.path, t) }))
    .filter((e) => e.d).sort((a, b) => a.d!.scale - b.d!.scale);
  for (const { v, k, d } of order) {
    const p = pathAt(v.path, t);
    if (!p || !d) continue;
    const sp = assets.sprites[k];
    const cx = p.x + ox, cy = p.y + oy;
    if (d.scale === 1) _blit(frame, W, H, sp, cx - sp.w / 2, cy - sp.h / 2);
    else {_blitScaled(
        frame,
        W,
        H,
        sp,
        cx - (sp.w * d.scale) / 2,
        cy - (sp.h * d.scale) / 2,
        d.scale,
      );}
  }
  for (const o of activeOccluders(spec, t)) _fill(frame, W, H, o);
  const fx = spec.effects;
  if (fx && ((fx.brightness ?? 1) !== 1 || (fx.noise_sigma ?? 0) > 0)) {
    _grade(frame, fx.brightness ?? 1, fx.noise_sigma ?? 0, i);
  }
  return frame;
}

/** Decoded background and sprites of a scene. */
export interface SceneAssets {
  background: RawImage;
  sprites: PreparedSprite[];
}

/** Load the background (scaled to the scene size) and the sprites of a spec. */
export async function loadAssets(spec: SceneSpec, ffmpeg?: string): Promise<SceneAssets> {
  // A pinhole scene draws its own road plate, seen through its camera.
  const camera = pinholeOf(spec);
  const background = camera
    ? {
      width: spec.width,
      height: spec.height,
      channels: 3 as const,
      data: roadPlate(camera, spec.width, spec.height),
    }
    : await readImage(resolvePath(spec.background ?? DEFAULT_BACKGROUND), 3, {
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

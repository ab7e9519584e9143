/** NanoDet family: pairs of [1, N, C] class scores and [1, N, 4*bins] distributions per stride. */
import { type LayoutQuery, type ModelLayout, registerLayout } from "../layout_registry.ts";

/** Output names of one head level. */
export interface NanodetLevel {
  stride: number;
  gridW: number;
  gridH: number;
  cls: string;
  reg: string;
}

/** Output layout of a NanoDet-style model. */
export interface NanodetLayout extends ModelLayout {
  kind: "nanodet";
  levels: NanodetLevel[];
  numClasses: number;
  bins: number;
}

/**
 * Pairs the outputs by cell count: [1, N, numClasses] scores and
 * [1, N, 4*bins] distributions per level, stride derived from N. Throws
 * (with the reason) when the outputs are not that layout.
 */
export function identifyNanodetOutputs(
  outputs: readonly { name: string; dims: readonly number[] }[],
  inputW: number,
  inputH: number,
): NanodetLayout {
  const byN = new Map<number, { name: string; c: number }[]>();
  for (const { name, dims: d } of outputs) {
    if (d.length !== 3 || d[0] !== 1) throw new Error(`output ${name} has shape [${d}]`);
    if (!byN.has(d[1])) byN.set(d[1], []);
    byN.get(d[1])!.push({ name, c: d[2] });
  }
  const levels: NanodetLevel[] = [];
  let numClasses = 0, bins = 0;
  for (const [n, outs] of byN) {
    if (outs.length !== 2) throw new Error(`cannot pair outputs with ${n} cells`);
    // Box distributions have 4*bins channels with small bins; classes are the other one.
    const [reg, cls] = outs[0].c % 4 === 0 && outs[0].c < outs[1].c ? outs : [outs[1], outs[0]];
    if (reg.c % 4 !== 0) throw new Error(`output ${reg.name} is not 4 box distributions`);
    const stride = [8, 16, 32, 64, 128].find((s) =>
      Math.ceil(inputW / s) * Math.ceil(inputH / s) === n
    );
    if (!stride) throw new Error(`${n} cells match no stride for ${inputW}x${inputH}`);
    if ((numClasses && numClasses !== cls.c) || (bins && bins !== reg.c / 4)) {
      throw new Error("levels disagree on class or bin count");
    }
    numClasses = cls.c;
    bins = reg.c / 4;
    levels.push({
      stride,
      gridW: Math.ceil(inputW / stride),
      gridH: Math.ceil(inputH / stride),
      cls: cls.name,
      reg: reg.name,
    });
  }
  if (!levels.length) throw new Error("model has no outputs");
  levels.sort((a, b) => a.stride - b.stride);
  return { kind: "nanodet", levels, numClasses, bins };
}

registerLayout({
  family: "NanoDet",
  supported: "NanoDet (pairs of [1,N,C] + [1,N,4*bins] per stride)",
  // NanoDet's preprocessing (BGR mean/std) writes planar NCHW tensors.
  inputLayouts: ["nchw"],
  recognize({ outputs, inputW, inputH }: LayoutQuery) {
    const rank3 = outputs.filter((o) => o.shape.length === 3 && o.shape[0] === 1);
    if (outputs.length < 2 || outputs.length % 2 !== 0 || rank3.length !== outputs.length) {
      return null;
    }
    try {
      return identifyNanodetOutputs(
        outputs.map((o) => ({ name: o.name, dims: o.shape })),
        inputW,
        inputH,
      );
    } catch (e) {
      return { not: `not NanoDet: ${(e as Error).message}` };
    }
  },
});

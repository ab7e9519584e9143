/** CenterNet family: NHWC heatmaps [1, h, w, C] + box sides [1, h, w, 4] on one grid. */
import { type LayoutQuery, type ModelLayout, registerLayout } from "../layout_registry.ts";

export interface CenternetLayout extends ModelLayout {
  kind: "centernet";
  heatmap: string;
  wh: string;
  gridW: number;
  gridH: number;
  numClasses: number;
}

registerLayout({
  family: "CenterNet",
  supported: "CenterNet (NHWC [1,h,w,C] + [1,h,w,4])",
  inputLayouts: ["nhwc"],
  recognize({ outputs, inputLayout }: LayoutQuery) {
    if (outputs.length !== 2 || !outputs.every((o) => o.shape.length === 4 && o.shape[0] === 1)) {
      return null;
    }
    const [a, b] = outputs;
    const sameGrid = a.shape[1] === b.shape[1] && a.shape[2] === b.shape[2];
    const whFirst = a.shape[3] === 4 && (b.shape[3] !== 4 || /wh/i.test(a.name));
    const [wh, heat] = whFirst ? [a, b] : [b, a];
    if (sameGrid && wh.shape[3] === 4 && heat.shape[3] >= 1 && inputLayout === "nhwc") {
      const layout: CenternetLayout = {
        kind: "centernet",
        heatmap: heat.name,
        wh: wh.name,
        gridH: heat.shape[1],
        gridW: heat.shape[2],
        numClasses: heat.shape[3],
      };
      return layout;
    }
    return { not: "not CenterNet: needs NHWC [1,h,w,C] + [1,h,w,4] outputs and an NHWC input" };
  },
});

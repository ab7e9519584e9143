/// <reference lib="dom" />
import { h } from "../dom.ts";
import { verdictText } from "../format.ts";

/** The coloured verdict label used in lists and detail. */
export function verdictBadge(v: string): HTMLElement {
  return h("span", { class: "verdict", "data-verdict": v }, verdictText(v));
}

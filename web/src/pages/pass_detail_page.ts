/// <reference lib="dom" />
/**
 * One pass: verdict, timings and speeds, the crop, track quality, and the speed-over-time
 * plot of its samples (stopped stretches shaded); with a clip, its replay with the overlay
 * drawn from the samples (../replay/pass_replay.ts), the plot's cursor following it; and the
 * review panel (review_panel.ts).
 */
import type { Zones } from "../../../shared/config.ts";
import { getJson, getPass, type PassDetail } from "../api.ts";
import { type PassReplay, passReplay } from "../replay/pass_replay.ts";
import { speedPlot } from "../charts/line_plot.ts";
import { h, replace } from "../dom.ts";
import { fmtRoadSpeed, fmtTime, type Units, unitsOf } from "../format.ts";
import { fieldName, fmtField, unitOf } from "../units.ts";
import { withToken } from "../session.ts";
import { verdictBadge } from "./verdict_badge.ts";
import { reviewPanel } from "./review_panel.ts";

/** Samples -> plot points, time in seconds from the first sample (ts: unix ms or ISO). */
export function plotPoints(samples: PassDetail["samples"]) {
  const ms = (t: number | string) => (typeof t === "number" ? t : Date.parse(t));
  const t0 = samples.length ? ms(samples[0].ts) : 0;
  return samples.map((s) => ({ t: (ms(s.ts) - t0) / 1000, v: s.speed_px_s, phase: s.phase }));
}

const _MEASURES = [
  ["time_in_zone_s", 2],
  ["stop_duration_s", 2],
  ["min_speed_px_s", 1],
  ["entry_speed_px_s", 1],
] as const satisfies readonly (readonly [keyof PassDetail, number])[];

function _facts(p: PassDetail, units: Units): HTMLElement {
  const rows: [string, string][] = [
    ["camera", p.camera],
    ["vehicle", `#${p.track_id} ${p.label}`],
    ["entered", fmtTime(p.entered_at)],
    ["exited", fmtTime(p.exited_at)],
  ];
  // Timings and speeds: the label and the unit come from the field's name.
  for (const [field, digits] of _MEASURES) {
    rows.push([fieldName(field), fmtField(field, p[field], digits)]);
  }
  // Calibrated cameras: the road speeds, in the site's units.
  if (p.min_speed_mps != null) {
    rows.push(
      ["entry road speed", fmtRoadSpeed(p.entry_speed_mps, units)],
      ["min road speed", fmtRoadSpeed(p.min_speed_mps, units)],
      ["max road speed", fmtRoadSpeed(p.max_speed_mps, units)],
    );
  }
  // Track quality: one row per measure, so a long record stays readable.
  if (p.quality && typeof p.quality === "object") {
    for (const [k, v] of Object.entries(p.quality as Record<string, unknown>)) {
      rows.push([
        k.replaceAll("_", " "),
        typeof v === "number" ? String(+v.toFixed(3)) : String(v),
      ]);
    }
  } else if (p.quality !== undefined && p.quality !== null) {
    rows.push(["quality", String(p.quality)]);
  }
  return h(
    "dl",
    { class: "facts" },
    ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

/** The camera's zones from the settings, for the replay (none when they cannot be read). */
/** The settings file (the replay's zones, the site's units), or null when it cannot be read. */
async function _config(): Promise<
  { units?: unknown; cameras?: Record<string, { zones?: Zones }> } | null
> {
  try {
    return await getJson<{ units?: unknown; cameras?: Record<string, { zones?: Zones }> }>(
      "/api/config",
    );
  } catch {
    return null;
  }
}

export function renderPassDetail(root: HTMLElement, id: string) {
  let alive = true;
  let replay: PassReplay | null = null;
  replace(root, h("p", { class: "muted" }, "loading…"));
  // The settings, fetched beside the pass: zones for the replay, units for road speeds.
  const config = _config();
  getPass(id).then(async (p) => {
    if (!alive) return;
    const cfg = await config;
    if (!alive) return;
    const zones = p.clip_url && p.clip_start ? cfg?.cameras?.[p.camera]?.zones ?? null : null;
    // The site's units (km/h or mph); without the config, metric.
    const units = unitsOf(cfg);
    replay = p.clip_url && p.clip_start ? passReplay(p, zones) : null;
    const plot = speedPlot(plotPoints(p.samples), { unit: unitOf("speed_px_s") });
    replace(
      root,
      h("p", {}, h("a", { href: "#/passes", id: "back-to-passes" }, "← passes")),
      h("h1", {}, `Pass #${p.track_id} `, verdictBadge(p.verdict)),
      replay?.el ?? h("p", { class: "muted", id: "no-clip" }, "no clip (yet)"),
      h(
        "div",
        { class: "detail" },
        h(
          "div",
          {},
          p.image_url
            ? h("img", {
              class: "crop-large",
              id: "pass-crop",
              src: withToken(p.image_url),
              alt: "crop",
            })
            : h("p", { class: "muted" }, "no crop"),
          _facts(p, units),
        ),
        reviewPanel(p),
        h(
          "figure",
          { id: "speed-plot" },
          plot,
          h(
            "figcaption",
            { class: "muted" },
            `speed over time · ${p.samples.length} samples · red band: stopped` +
              (replay ? " · click to seek the replay" : ""),
          ),
        ),
      ),
    );
    replay?.attachPlot(plot as SVGSVGElement);
  }).catch((e) => {
    if (alive) replace(root, h("p", { class: "error" }, `could not load pass: ${e.message}`));
  });
  return () => {
    alive = false;
    replay?.destroy();
  };
}

/// <reference lib="dom" />
/**
 * Report (`#/report?camera=&from=&to=&bin=15m`): the count study a traffic engineer takes to a
 * meeting (GET /api/study): what the study rests on (window, calibration, config revision),
 * passes per bin by verdict, one class's 85th-percentile approach speed per bin, the table, a
 * CSV download (the study's and the passes'), and a print layout (style.css @media print hides
 * the app chrome and the controls).
 */
import { getStudy, passesCsvPath, type Study, studyCsvPath, type StudyQuery } from "../api.ts";
import { barChart, type BarSeries, legend } from "../charts/bar_chart.ts";
import { h, replace } from "../dom.ts";
import { fmtNum, fmtTime, isoToLocalInput, localInputToIso } from "../format.ts";
import { routeHash } from "../router.ts";
import { withToken } from "../session.ts";
import { unitOf } from "../units.ts";
import { VERDICT_COLORS } from "../overlay/zones_layer.ts";
import { classesByCount, countsPerBin, speedField, speedPerBin } from "./report_data.ts";

const _SERIES: BarSeries[] = [
  { key: "full_stop", color: VERDICT_COLORS.full_stop, label: "full stop" },
  { key: "rolling_stop", color: VERDICT_COLORS.rolling_stop, label: "rolling stop" },
  { key: "no_stop", color: VERDICT_COLORS.no_stop, label: "no stop" },
];
const _BINS = ["5m", "15m", "1h"];
const DAY_MS = 86_400_000;

function _binLabel(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}`;
}

function _pct(x: number | null): string {
  return x === null ? "–" : `${Math.round(x * 100)}%`;
}

/** The study's query from the hash, with defaults (first camera, last 24 h, 15 min bins). */
export function studyQueryOf(params: URLSearchParams, cameras: string[], now = Date.now()) {
  const to = params.get("to") || new Date(now).toISOString();
  const from = params.get("from") || new Date(Date.parse(to) - DAY_MS).toISOString();
  const bin = _BINS.includes(params.get("bin") ?? "") ? params.get("bin")! : "15m";
  return { camera: params.get("camera") || cameras[0] || "", from, to, bin } as StudyQuery;
}

function _form(q: StudyQuery, cameras: string[]): HTMLFormElement {
  const cam = h("select", { name: "camera", id: "report-camera" });
  for (const c of cameras.includes(q.camera) ? cameras : [q.camera, ...cameras]) {
    cam.append(h("option", { value: c, selected: c === q.camera }, c));
  }
  const bin = h("select", { name: "bin", id: "report-bin" });
  for (const b of _BINS) bin.append(h("option", { value: b, selected: b === q.bin }, b));
  const form = h(
    "form",
    { class: "filters no-print", id: "report-filter" },
    h("label", {}, "camera ", cam),
    h(
      "label",
      {},
      "from ",
      h("input", { name: "from", type: "datetime-local", value: isoToLocalInput(q.from) }),
    ),
    h(
      "label",
      {},
      "to ",
      h("input", { name: "to", type: "datetime-local", value: isoToLocalInput(q.to) }),
    ),
    h("label", {}, "bin ", bin),
    h("button", { type: "submit", class: "primary" }, "Show"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const get = (k: string) => String(d.get(k) ?? "");
    location.hash = routeHash("report", {
      camera: get("camera"),
      from: localInputToIso(get("from")),
      to: localInputToIso(get("to")),
      bin: get("bin"),
    });
  });
  return form;
}

function _basis(s: Study): HTMLElement {
  const rows: [string, string][] = [
    ["camera", s.camera],
    ["window", `${fmtTime(s.from)} – ${fmtTime(s.to)} (${s.from} – ${s.to} UTC)`],
    ["bin", s.bin],
    ["speeds", s.speed_unit === "mps" ? "m/s (calibrated)" : "px/s (not calibrated)"],
    ["calibration", s.calibration === null ? "none" : JSON.stringify(s.calibration)],
    [
      "config revision",
      s.config_revision
        ? `#${s.config_revision.id} saved ${fmtTime(s.config_revision.created_at)}` +
          (s.config_changed_in_window ? " (settings changed inside this window)" : "")
        : "none saved (the config file as deployed)",
    ],
    ["percentiles", s.percentile_method],
  ];
  return h(
    "dl",
    { class: "facts", id: "report-basis" },
    ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

function _speedChart(s: Study, cls: string): HTMLElement {
  const unit = unitOf(speedField(s, "p85"));
  const points = speedPerBin(s, cls, "p85");
  return h(
    "section",
    { class: "card wide", id: "report-speeds" },
    h("h2", {}, `85th-percentile approach speed · ${cls} (${unit})`),
    barChart({
      title: `85th percentile approach speed of ${cls}, ${unit}`,
      width: 1100,
      bars: points.map((p) => ({ label: _binLabel(p.bin_start), values: { v: p.value ?? 0 } })),
      series: [{ key: "v", color: "#4fc3f7", label: `p85 (${unit})` }],
      labelEvery: Math.max(1, Math.ceil(points.length / 12)),
    }),
  );
}

function _table(s: Study): HTMLElement {
  const med = speedField(s, "median");
  const p85 = speedField(s, "p85");
  const unit = unitOf(p85);
  const head = [
    "bin",
    "class",
    "count",
    "full stop",
    "rolling",
    "no stop",
    `median (${unit})`,
    `p85 (${unit})`,
  ];
  return h(
    "table",
    { class: "passes", id: "report-table" },
    h("thead", {}, h("tr", {}, ...head.map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      ...s.rows.filter((r) => r.count > 0).map((r) =>
        h(
          "tr",
          { class: "report-row" },
          h("td", {}, fmtTime(r.bin_start)),
          h("td", {}, r.class),
          h("td", { class: "num" }, String(r.count)),
          h("td", { class: "num" }, `${r.full_stop} (${_pct(r.full_stop_share)})`),
          h("td", { class: "num" }, `${r.rolling_stop} (${_pct(r.rolling_stop_share)})`),
          h("td", { class: "num" }, `${r.no_stop} (${_pct(r.no_stop_share)})`),
          h("td", { class: "num" }, fmtNum(r[med], 1)),
          h("td", { class: "num" }, fmtNum(r[p85], 1)),
        )
      ),
    ),
  );
}

export function renderReport(root: HTMLElement, params: URLSearchParams, cameras: string[]) {
  const q = studyQueryOf(params, cameras);
  const body = h(
    "div",
    { class: "stats", id: "report-body" },
    h("p", { class: "muted" }, "loading…"),
  );
  const actions = h(
    "p",
    { class: "filters no-print" },
    h("a", {
      class: "button",
      id: "report-csv",
      href: withToken(studyCsvPath(q)),
      download: "",
    }, "Download study CSV"),
    h("a", {
      class: "button",
      id: "report-passes-csv",
      href: withToken(passesCsvPath({ camera: q.camera, after: q.from, before: q.to })),
      download: "",
    }, "Download passes CSV"),
    h("button", { type: "button", id: "report-print", onclick: () => globalThis.print() }, "Print"),
  );
  replace(root, h("h1", {}, "Traffic study"), _form(q, cameras), actions, body);

  let alive = true;
  if (!q.camera) {
    replace(body, h("p", { class: "muted" }, "no camera to report on"));
    return () => (alive = false);
  }
  getStudy(q).then((s) => {
    if (!alive) return;
    const classes = classesByCount(s.rows);
    const bins = countsPerBin(s.rows);
    const total = bins.reduce((n, b) => n + b.count, 0);
    const clsSel = h("select", { id: "report-class", class: "no-print" });
    for (const c of classes) clsSel.append(h("option", { value: c }, c));
    const speedSlot = h("div", { class: "card-slot wide" });
    const drawSpeed = () => replace(speedSlot, classes.length ? _speedChart(s, clsSel.value) : "");
    clsSel.onchange = drawSpeed;
    replace(
      body,
      h("section", { class: "card wide" }, h("h2", {}, "Basis"), _basis(s)),
      h(
        "section",
        { class: "card wide", id: "report-counts" },
        h("h2", {}, `Passes per ${s.bin} by verdict · ${total}`),
        barChart({
          title: `passes per ${s.bin} by verdict`,
          width: 1100,
          bars: bins.map((b) => ({
            label: _binLabel(b.bin_start),
            values: { full_stop: b.full_stop, rolling_stop: b.rolling_stop, no_stop: b.no_stop },
          })),
          series: _SERIES,
          labelEvery: Math.max(1, Math.ceil(bins.length / 12)),
        }),
        legend(_SERIES),
      ),
      h("p", { class: "filters no-print" }, "speed chart class ", clsSel),
      speedSlot,
      h("section", { class: "card wide" }, h("h2", {}, "Bins"), _table(s)),
    );
    drawSpeed();
  }).catch((e) => {
    if (alive) replace(body, h("p", { class: "error" }, `could not load the study: ${e.message}`));
  });
  return () => (alive = false);
}

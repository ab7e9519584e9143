/// <reference lib="dom" />
/**
 * Stats: passes per hour by verdict, verdict totals, the stop-duration histogram (SVG charts)
 * and each camera's live analyzer status, and the fleet of analyzers with the cameras each holds
 * (fleet mode); refreshed every 15 s while open. Above them, each camera's staleness chain (camera
 * -> decode -> infer -> publish -> relay -> render), refreshed every 2 s, the first stale link
 * highlighted: the server's links from GET /api/cameras, the render link measured here (this page
 * follows each camera's ticks and stamps their paint). Below, what reviews say: each verdict's
 * precision and recall and the confusion table (GET /api/stats/reviews).
 */
import type { AppConfig } from "../../../shared/app_config.ts";
import {
  type CameraInfo,
  type CameraStatus,
  type FleetMember,
  getFleet,
  getReviewStats,
  getStats,
  listCameras,
  type ReviewStats,
  type Stats,
  type Verdict,
} from "../api.ts";
import { RenderClock } from "../live/render_clock.ts";
import { RealtimeTickSource } from "../overlay/realtime_tick_source.ts";
import { TickSocket } from "../overlay/tick_socket.ts";
import type { TickSource } from "../overlay/tick_source.ts";
import { getToken, wsUrl } from "../session.ts";
import { CHAIN, chainFromApi, firstStaleLink, fmtAge } from "../staleness.ts";
import { barChart, type BarSeries, legend } from "../charts/bar_chart.ts";
import { h, replace } from "../dom.ts";
import { fmtNum, fmtTime } from "../format.ts";
import { routeHash } from "../router.ts";
import { VERDICT_COLORS } from "../overlay/zones_layer.ts";

const _SERIES: BarSeries[] = [
  { key: "full_stop", color: VERDICT_COLORS.full_stop, label: "full stop" },
  { key: "rolling_stop", color: VERDICT_COLORS.rolling_stop, label: "rolling stop" },
  { key: "no_stop", color: VERDICT_COLORS.no_stop, label: "no stop" },
];

const _RANGES: Record<string, number> = { "6h": 6, "24h": 24, "7d": 168 };

function _cameraRow(c: CameraStatus): HTMLElement {
  return h(
    "tr",
    { "data-camera": c.camera },
    h("td", {}, c.camera),
    h(
      "td",
      {},
      h(
        "span",
        { class: "pill", "data-state": c.online ? "online" : "offline" },
        c.online ? "online" : "offline",
      ),
    ),
    h("td", { class: "num" }, fmtNum(c.fps, 1)),
    h("td", { class: "num" }, fmtNum(c.infer_ms, 1, " ms")),
    h("td", { class: "num" }, fmtNum(c.lag_ms, 0, " ms")),
    h("td", { class: "num" }, c.dropped ?? "–"),
    h("td", { class: "num" }, c.frames ?? "–"),
    h("td", {}, fmtTime(c.updated_at)),
  );
}

const STALENESS_REFRESH_MS = 2_000;

function _chainRow(cam: CameraInfo, renderMs: number | null): HTMLElement {
  const ages = chainFromApi(
    cam.staleness as Record<string, number | null> | undefined,
    renderMs,
  );
  const broken = firstStaleLink(ages);
  return h(
    "tr",
    { "data-camera": cam.id, "data-first-stale": broken ?? "" },
    h("td", {}, cam.id),
    ...CHAIN.map((link) =>
      h(
        "td",
        { class: link === broken ? "num stale" : "num", "data-link": link },
        fmtAge(ages[link]),
      )
    ),
    h("td", {}, broken ? `broken at ${broken}` : "ok"),
  );
}

/** One tick feed per camera, only to time the browser's render link (no video). */
function _tickFeeds(cfg: AppConfig, cameras: string[], clock: RenderClock): TickSource[] {
  const rt = cfg.realtime;
  return cameras.map((camera) => {
    const onTick = (t: { camera: string }) => clock.tickArrived(t.camera);
    const source: TickSource = rt.kind === "supabase"
      ? new RealtimeTickSource({
        onTick,
        url: rt.url,
        anonKey: rt.anon_key,
        camera,
        accessToken: cfg.auth ? getToken : undefined,
      })
      : new TickSocket({ onTick, url: wsUrl(`/ws?camera=${encodeURIComponent(camera)}`) });
    source.start();
    return source;
  });
}

function _fleetSection(fleet: FleetMember[]): HTMLElement[] {
  if (!fleet.length) return [];
  return [h(
    "section",
    { class: "card wide", id: "fleet" },
    h("h2", {}, `Analyzers · ${fleet.length}`),
    h(
      "table",
      { class: "passes" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["analyzer", "cameras", "capacity", "up since", "seen"].map((t) => h("th", {}, t)),
        ),
      ),
      h(
        "tbody",
        {},
        ...fleet.map((m) =>
          h(
            "tr",
            { "data-holder": m.holder },
            h("td", {}, m.holder),
            h("td", {}, m.cameras.join(", ") || "–"),
            h("td", { class: "num" }, `${m.cameras.length} / ${m.max_cameras}`),
            h("td", {}, fmtTime(m.started_at)),
            h("td", {}, fmtTime(m.seen_at)),
          )
        ),
      ),
    ),
  )];
}

function _hourLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${String(d.getHours()).padStart(2, "0")}h`;
}

function _charts(s: Stats): HTMLElement[] {
  const hours = s.passes_per_hour.map(({ hour, ...counts }) => ({
    label: _hourLabel(hour),
    values: counts,
  }));
  const total = _SERIES.reduce(
    (n, x) => n + (s.verdicts[x.key as keyof Stats["verdicts"]] ?? 0),
    0,
  );
  return [
    h(
      "section",
      { class: "card wide", id: "chart-hours" },
      h("h2", {}, "Passes per hour"),
      barChart({
        title: "passes per hour",
        width: 1100,
        bars: hours,
        series: _SERIES,
        labelEvery: Math.max(1, Math.ceil(hours.length / 12)),
      }),
      legend(_SERIES),
    ),
    h(
      "section",
      { class: "card", id: "chart-verdicts" },
      h("h2", {}, `Verdicts · ${total}`),
      barChart({
        title: "verdicts",
        width: 520,
        bars: _SERIES.map((x) => ({
          label: x.label,
          values: { [x.key]: s.verdicts[x.key as keyof Stats["verdicts"]] ?? 0 },
        })),
        series: _SERIES,
      }),
    ),
    h(
      "section",
      { class: "card", id: "chart-stops" },
      h("h2", {}, "Stop duration"),
      barChart({
        title: "stop duration histogram",
        width: 520,
        bars: s.stop_duration_histogram.map((b) => ({
          label: b.to_s === null ? `≥${b.from_s}s` : `${b.from_s}–${b.to_s}s`,
          values: { count: b.count },
        })),
        series: [{ key: "count", color: "#4fc3f7", label: "passes" }],
        labelEvery: Math.max(1, Math.ceil(s.stop_duration_histogram.length / 6)),
      }),
    ),
  ];
}

const _VERDICTS: Verdict[] = ["full_stop", "rolling_stop", "no_stop"];

function _pct(x: number | null): string {
  return x === null ? "–" : `${(x * 100).toFixed(1)}%`;
}

/** Precision/recall per verdict and the confusion table (rows judged, columns actual). */
export function reviewCard(r: ReviewStats): HTMLElement {
  const label = (v: Verdict) => _SERIES.find((x) => x.key === v)!.label;
  return h(
    "section",
    { class: "card wide", id: "review-quality" },
    h(
      "h2",
      {},
      `Verdict quality from ${r.reviewed} reviewed passes · agreement ${_pct(r.accuracy)}`,
    ),
    h(
      "table",
      { class: "passes", id: "review-precision" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["verdict", "judged", "confirmed", "precision", "recall"].map((t) => h("th", {}, t)),
        ),
      ),
      h(
        "tbody",
        {},
        ..._VERDICTS.map((v) =>
          h(
            "tr",
            { "data-verdict": v },
            h("td", {}, label(v)),
            h("td", { class: "num" }, String(r.verdicts[v].judged)),
            h("td", { class: "num" }, String(r.verdicts[v].correct)),
            h("td", { class: "num precision" }, _pct(r.verdicts[v].precision)),
            h("td", { class: "num" }, _pct(r.verdicts[v].recall)),
          )
        ),
      ),
    ),
    h(
      "table",
      { class: "passes", id: "review-confusion" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "judged ↓ · actual →"),
          ..._VERDICTS.map((v) => h("th", {}, label(v))),
        ),
      ),
      h(
        "tbody",
        {},
        ..._VERDICTS.map((j) =>
          h(
            "tr",
            { "data-judged": j },
            h("th", {}, label(j)),
            ..._VERDICTS.map((a) => h("td", { class: "num" }, String(r.confusion[j][a]))),
          )
        ),
      ),
    ),
  );
}

export function renderStats(
  root: HTMLElement,
  params: URLSearchParams,
  cameras: string[],
  cfg: AppConfig,
) {
  const camera = params.get("camera") ?? "";
  const range = _RANGES[params.get("range") ?? ""] ? params.get("range")! : "24h";
  const body = h(
    "div",
    { class: "stats", id: "stats-body" },
    h("p", { class: "muted" }, "loading…"),
  );
  const picker = h("select", { id: "stats-camera" });
  for (const c of ["", ...cameras]) {
    picker.append(h("option", { value: c, selected: c === camera }, c || "all cameras"));
  }
  const rangeSel = h("select", { id: "stats-range" });
  for (const r of Object.keys(_RANGES)) {
    rangeSel.append(h("option", { value: r, selected: r === range }, `last ${r}`));
  }
  const go =
    () => (location.hash = routeHash("stats", { camera: picker.value, range: rangeSel.value }));
  picker.onchange = go;
  rangeSel.onchange = go;
  const reviews = h("div", { class: "stats", id: "stats-reviews" });
  const chainBody = h("tbody", {});
  const chain = h(
    "section",
    { class: "card wide", id: "staleness" },
    h("h2", {}, "Staleness chain"),
    h(
      "table",
      { class: "passes", id: "staleness-chain" },
      h(
        "thead",
        {},
        h("tr", {}, ...["camera id", ...CHAIN, "state"].map((t) => h("th", {}, t))),
      ),
      chainBody,
    ),
  );
  replace(
    root,
    h("h1", {}, "Stats"),
    h("div", { class: "filters" }, picker, rangeSel),
    chain,
    body,
    reviews,
  );

  let alive = true;
  const clock = new RenderClock();
  const shown = camera ? [camera] : cameras;
  const feeds = _tickFeeds(cfg, shown, clock);
  const loadChain = async () => {
    try {
      const list = (await listCameras()).filter((c) => shown.includes(c.id));
      if (!alive) return;
      replace(chainBody, ...list.map((c) => _chainRow(c, clock.ageMs(c.id))));
    } catch { /* the table keeps its last state; the stats below say why requests fail */ }
  };
  void loadChain();
  const chainTimer = setInterval(loadChain, STALENESS_REFRESH_MS);
  const load = async () => {
    const after = new Date(Date.now() - _RANGES[range] * 3600_000).toISOString();
    try {
      getReviewStats({ camera: camera || undefined, after }).then((r) => {
        if (alive) replace(reviews, reviewCard(r));
      }).catch(() => {/* older servers have no review figures: the card stays away */});
      // The fleet is optional: the stats still show when the cameras API cannot be read.
      const [s, fleet] = await Promise.all([
        getStats({ camera: camera || undefined, after }),
        getFleet().catch(() => [] as FleetMember[]),
      ]);
      if (!alive) return;
      replace(
        body,
        ..._charts(s),
        h(
          "section",
          { class: "card wide", id: "camera-status" },
          h("h2", {}, "Cameras"),
          h(
            "table",
            { class: "passes" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["camera", "analyzer", "fps", "infer", "lag", "dropped", "frames", "updated"]
                  .map((t) => h("th", {}, t)),
              ),
            ),
            h("tbody", {}, ...s.cameras.map(_cameraRow)),
          ),
        ),
        ..._fleetSection(fleet),
      );
    } catch (e) {
      if (alive) {
        replace(body, h("p", { class: "error" }, `could not load stats: ${(e as Error).message}`));
      }
    }
  };
  void load();
  const timer = setInterval(load, 15_000);
  return () => {
    alive = false;
    clearInterval(timer);
    clearInterval(chainTimer);
    for (const f of feeds) f.stop();
  };
}

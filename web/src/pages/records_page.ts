/// <reference lib="dom" />
/**
 * Records (`#/records?camera=`): the longest full stops, the fastest no-stops (road speed when
 * calibrated) and the most recent violations (GET /api/stats/records); a row opens the pass.
 */
import { getRecords, type RecordPass, type Records } from "../api.ts";
import { h, replace } from "../dom.ts";
import { fmtNum, fmtTime } from "../format.ts";
import { routeHash } from "../router.ts";
import { withToken } from "../session.ts";
import { verdictBadge } from "./verdict_badge.ts";

function _speed(p: RecordPass): string {
  return p.entry_speed_mps !== null
    ? fmtNum(p.entry_speed_mps, 1, " m/s")
    : fmtNum(p.entry_speed_px_s, 0, " px/s");
}

function _table(id: string, title: string, rows: RecordPass[]): HTMLElement {
  const open = (p: RecordPass) => () => (location.hash = `#/passes/${encodeURIComponent(p.id)}`);
  return h(
    "section",
    { class: "card wide", id },
    h("h2", {}, title),
    rows.length
      ? h(
        "table",
        { class: "passes" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["crop", "exited", "camera", "vehicle", "verdict", "stop", "approach speed"].map((
              t,
            ) => h("th", {}, t)),
          ),
        ),
        h(
          "tbody",
          {},
          ...rows.map((p) =>
            h(
              "tr",
              { class: "pass-row record-row", "data-pass-id": p.id, onclick: open(p) },
              h(
                "td",
                { class: "crop" },
                p.image_url
                  ? h("img", { src: withToken(p.image_url), alt: "crop", loading: "lazy" })
                  : h("span", { class: "muted" }, "no crop"),
              ),
              h("td", {}, fmtTime(p.exited_at)),
              h("td", {}, p.camera),
              h("td", {}, p.label),
              h("td", {}, verdictBadge(p.verdict)),
              h("td", { class: "num" }, fmtNum(p.stop_duration_s, 1, " s")),
              h("td", { class: "num" }, _speed(p)),
            )
          ),
        ),
      )
      : h("p", { class: "muted" }, "none yet"),
  );
}

export function renderRecords(root: HTMLElement, params: URLSearchParams, cameras: string[]) {
  const camera = params.get("camera") ?? "";
  const picker = h("select", { id: "records-camera" });
  for (const c of ["", ...cameras]) {
    picker.append(h("option", { value: c, selected: c === camera }, c || "all cameras"));
  }
  picker.onchange = () => (location.hash = routeHash("records", { camera: picker.value }));
  const body = h(
    "div",
    { class: "stats", id: "records-body" },
    h("p", { class: "muted" }, "loading…"),
  );
  replace(root, h("h1", {}, "Records"), h("div", { class: "filters" }, picker), body);
  let alive = true;
  getRecords({ camera: camera || undefined }).then((r: Records) => {
    if (!alive) return;
    replace(
      body,
      _table("records-longest", "Longest stops", r.longest_stops),
      _table("records-fastest", "Fastest no-stops", r.fastest_no_stops),
      _table("records-recent", "Most recent violations", r.recent_violations),
    );
  }).catch((e) => {
    if (alive) replace(body, h("p", { class: "error" }, `could not load records: ${e.message}`));
  });
  return () => (alive = false);
}

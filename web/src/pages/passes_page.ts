/// <reference lib="dom" />
/**
 * Passes list: filters (camera, verdict, time range, stop duration) kept in the URL hash so a
 * view can be shared, rows with the crop, and cursor pagination ("load more" appends the next
 * page the server's `next_cursor` points at). A row opens the pass detail.
 */
import { listPasses, passesCsvPath, type PassFilter, type PassRow } from "../api.ts";
import { h, replace } from "../dom.ts";
import { fmtNum, fmtTime, isoToLocalInput, localInputToIso } from "../format.ts";
import { fieldTitle } from "../units.ts";
import { routeHash } from "../router.ts";
import { withToken } from "../session.ts";
import { pushButton } from "../push_subscribe.ts";
import { verdictBadge } from "./verdict_badge.ts";

const _FILTER_KEYS = [
  "camera",
  "verdict",
  "after",
  "before",
  "min_stop_s",
  "max_stop_s",
  "review",
] as const;

export function filterFromParams(params: URLSearchParams): PassFilter {
  const f: PassFilter = {};
  for (const k of _FILTER_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function _row(p: PassRow): HTMLElement {
  const open = () => (location.hash = `#/passes/${encodeURIComponent(p.id)}`);
  const tr = h(
    "tr",
    { class: "pass-row", "data-pass-id": p.id, tabindex: 0, onclick: open },
    h(
      "td",
      { class: "crop" },
      p.image_url
        ? h("img", { src: withToken(p.image_url), alt: `crop of ${p.label}`, loading: "lazy" })
        : h("span", { class: "muted" }, "no crop"),
    ),
    h("td", {}, fmtTime(p.exited_at)),
    h("td", {}, p.camera),
    h("td", {}, `#${p.track_id} ${p.label}`),
    h("td", {}, verdictBadge(p.verdict)),
    h("td", { class: "num" }, fmtNum(p.stop_duration_s, 1, " s")),
    h("td", { class: "num" }, fmtNum(p.time_in_zone_s, 1, " s")),
    h("td", { class: "num" }, fmtNum(p.min_speed_px_s, 0)),
    h("td", { class: "num" }, fmtNum(p.entry_speed_px_s, 0)),
  );
  tr.addEventListener("keydown", (e) => e.key === "Enter" && open());
  return tr;
}

function _select(name: string, value: string, options: [string, string][]): HTMLSelectElement {
  const sel = h("select", { name, id: `f-${name}` });
  for (const [v, label] of options) {
    sel.append(h("option", { value: v, selected: v === value }, label));
  }
  return sel;
}

function _filterForm(f: PassFilter, cameras: string[]): HTMLFormElement {
  const input = (name: keyof PassFilter, type: string, value: string, extra = {}) =>
    h("input", { name, id: `f-${name}`, type, value, ...extra });
  const form = h(
    "form",
    { class: "filters", id: "passes-filter" },
    h(
      "label",
      {},
      "camera ",
      _select("camera", f.camera ?? "", [
        ["", "all"],
        ...cameras.map((c): [string, string] => [c, c]),
      ]),
    ),
    h(
      "label",
      {},
      "verdict ",
      _select("verdict", f.verdict ?? "", [
        ["", "all"],
        ["full_stop", "full stop"],
        ["rolling_stop", "rolling stop"],
        ["no_stop", "no stop"],
      ]),
    ),
    h(
      "label",
      {},
      "review ",
      _select("review", f.review ?? "", [
        ["", "all"],
        ["reviewed", "reviewed"],
        ["unreviewed", "unreviewed"],
        ["disputed", "disputed"],
      ]),
    ),
    h("label", {}, "from ", input("after", "datetime-local", isoToLocalInput(f.after ?? null))),
    h("label", {}, "to ", input("before", "datetime-local", isoToLocalInput(f.before ?? null))),
    h(
      "label",
      {},
      "stop ≥ ",
      input("min_stop_s", "number", f.min_stop_s ?? "", { step: "0.1", min: "0", class: "short" }),
      " s",
    ),
    h(
      "label",
      {},
      "≤ ",
      input("max_stop_s", "number", f.max_stop_s ?? "", { step: "0.1", min: "0", class: "short" }),
      " s",
    ),
    h("button", { type: "submit", class: "primary" }, "Apply"),
    h("a", { href: "#/passes", class: "button" }, "Clear"),
    h("a", {
      href: withToken(passesCsvPath(f)),
      class: "button",
      id: "passes-csv",
      download: "",
    }, "CSV"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const get = (k: string) => String(d.get(k) ?? "");
    location.hash = routeHash("passes", {
      camera: get("camera"),
      verdict: get("verdict"),
      after: localInputToIso(get("after")),
      before: localInputToIso(get("before")),
      min_stop_s: get("min_stop_s"),
      max_stop_s: get("max_stop_s"),
      review: get("review"),
    });
  });
  return form;
}

export function renderPasses(
  root: HTMLElement,
  params: URLSearchParams,
  cameras: string[],
  push = false,
) {
  const filter = filterFromParams(params);
  const tbody = h("tbody", { id: "passes-rows" });
  const status = h("p", { id: "passes-status", class: "muted", role: "status" }, "loading…");
  const more = h("button", { id: "passes-more", type: "button", hidden: true }, "Load more");
  let cursor: string | null = null;
  let shown = 0;
  let alive = true;

  const load = async () => {
    more.disabled = true;
    try {
      const page = await listPasses(filter, cursor);
      if (!alive) return;
      for (const p of page.passes) tbody.append(_row(p));
      shown += page.passes.length;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = shown
        ? `${shown} pass${shown === 1 ? "" : "es"}${cursor ? " (more available)" : ""}`
        : "no passes match";
    } catch (e) {
      if (alive) status.textContent = `could not load passes: ${(e as Error).message}`;
    } finally {
      more.disabled = false;
    }
  };
  more.onclick = load;

  replace(
    root,
    h("h1", {}, "Passes"),
    pushButton(push),
    _filterForm(filter, cameras),
    h(
      "table",
      { class: "passes" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...[
            "crop",
            "exited",
            "camera",
            "vehicle",
            "verdict",
            "stop",
            "in zone",
            fieldTitle("min_speed_px_s"),
            fieldTitle("entry_speed_px_s"),
          ]
            .map((t) => h("th", {}, t)),
        ),
      ),
      tbody,
    ),
    status,
    more,
  );
  void load();
  return () => (alive = false);
}

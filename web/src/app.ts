/// <reference lib="dom" />
/**
 * Browser entry: loads the runtime config (`/app-config.json`), shows the login field when
 * auth is on, fills the camera picker, and renders the page the hash names (live view,
 * passes, pass detail, stats, report, records, the camera mosaic). Only one page runs at a time: leaving the live view stops its
 * player (and DELETEs a WHEP session), so an all-day tab on the stats page costs no video.
 */
import { type CameraInfo, listCameras } from "./api.ts";
import { type AppConfig, loadAppConfig } from "../../shared/app_config.ts";
import { byId, h, replace } from "./dom.ts";
import { type LiveView, startLive } from "./live/live_page.ts";
import { mountLogin } from "./login.ts";
import { renderPassDetail } from "./pages/pass_detail_page.ts";
import { renderPasses } from "./pages/passes_page.ts";
import { renderStats } from "./pages/stats_page.ts";
import { renderMosaic } from "./pages/mosaic_page.ts";
import { renderReport } from "./pages/report_page.ts";
import { renderRecords } from "./pages/records_page.ts";
import { parseRoute, routeHash } from "./router.ts";

const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

let cameras: string[] = [];
/** The first `/api/cameras` answer, shared with the live page (one request, not two). */
let listed: Promise<CameraInfo[]> | undefined;
let live: { camera: string; view: LiveView } | undefined;
let leavePage: (() => void) | undefined;

function _liveCamera(params: URLSearchParams): string {
  const fromHash = params.get("camera");
  const fromQuery = new URLSearchParams(location.search).get("camera");
  const c = fromHash ?? fromQuery ?? localStorage.getItem("stopline.camera") ?? cameras[0];
  return c && CAMERA_ID.test(c) ? c : "cam_01";
}

function _fillPicker(current: string): void {
  const picker = byId<HTMLSelectElement>("camera-picker");
  const list = cameras.includes(current) ? cameras : [current, ...cameras];
  replace(picker, ...list.map((c) => h("option", { value: c, selected: c === current }, c)));
  picker.onchange = () => (location.hash = routeHash("live", { camera: picker.value }));
}

/** The page-load camera list, once: a later live view asks afresh (analysis may have changed). */
function _takeListed(): Promise<CameraInfo[]> | undefined {
  const p = listed;
  listed = undefined;
  return p;
}

function _stopLive(): void {
  live?.view.stop();
  live = undefined;
}

function render(cfg: AppConfig): void {
  const route = parseRoute(location.hash);
  leavePage?.();
  leavePage = undefined;
  document.body.dataset.page = route.page;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    a.classList.toggle("active", a.dataset.nav === (route.page === "pass" ? "passes" : route.page));
  }
  const page = byId("page");
  if (route.page === "live") {
    page.hidden = true;
    const camera = _liveCamera(route.params);
    try {
      localStorage.setItem("stopline.camera", camera);
    } catch { /* storage disabled */ }
    _fillPicker(camera);
    if (live?.camera !== camera) {
      _stopLive();
      live = { camera, view: startLive(camera, cfg, location.search, _takeListed()) };
    }
    return;
  }
  _stopLive();
  page.hidden = false;
  if (route.page === "passes") leavePage = renderPasses(page, route.params, cameras, cfg.push);
  else if (route.page === "pass") leavePage = renderPassDetail(page, route.id);
  else if (route.page === "mosaic") {
    leavePage = renderMosaic(page, cfg, route.params, location.search);
  } else if (route.page === "report") leavePage = renderReport(page, route.params, cameras);
  else if (route.page === "records") leavePage = renderRecords(page, route.params, cameras);
  else leavePage = renderStats(page, route.params, cameras, cfg);
}

async function main(): Promise<void> {
  const cfg = await loadAppConfig();
  const rerender = () => {
    _stopLive();
    render(cfg);
  };
  if (cfg.auth) mountLogin(byId("login-slot"), rerender);
  listed = listCameras();
  const known = listed.then((list) => {
    cameras = list.map((c) => c.id).filter((id) => CAMERA_ID.test(id));
    if (live) _fillPicker(live.camera);
  }).catch(() => {/* no camera API (or signed out): the picker shows the current camera only */});
  // The live view starts its video and tick socket at once (the list only fills the picker:
  // waiting for it delayed the first overlay from 0.8 s to 3.2 s); other pages need the list.
  if (parseRoute(location.hash).page !== "live") await known;
  globalThis.addEventListener("hashchange", () => render(cfg));
  // Leaving the page: release the video session now (WHEP DELETE) instead of at timeout.
  globalThis.addEventListener("pagehide", () => _stopLive());
  globalThis.addEventListener("pageshow", (e) => {
    if ((e as PageTransitionEvent).persisted) render(cfg);
  });
  render(cfg);
}

void main();

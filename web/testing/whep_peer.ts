/// <reference lib="dom" />
/**
 * A WHEP server for browser tests: a tiny HTTP endpoint (POST offer -> 201 answer + Location,
 * PATCH trickle fragment, DELETE session) whose media side is a second Chromium page sending a
 * canvas `captureStream()` track: green background, a moving white square. Everything stays on
 * this host. `mode = "capacity"` answers 503 like a MediaMTX at its reader limit.
 */
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { parseFragment } from "../src/player/whep_sdp.ts";

export interface WhepLog {
  posts: number;
  patches: number;
  candidates: number;
  deletes: string[];
}

/** Runs in the peer page: answer one offer with the canvas track; return the answer SDP. */
function _peerScript() {
  const pcs = new Map<string, RTCPeerConnection>();
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext("2d")!;
  let n = 0;
  setInterval(() => {
    ctx.fillStyle = "rgb(0,160,80)";
    ctx.fillRect(0, 0, 640, 360);
    ctx.fillStyle = "#fff";
    ctx.fillRect((n * 8) % 560, 140, 80, 80);
    n++;
  }, 40);
  const stream = canvas.captureStream(25);
  const g = globalThis as unknown as Record<string, unknown>;
  g.answerOffer = async (id: string, offer: string) => {
    const pc = new RTCPeerConnection();
    pcs.set(id, pc);
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind === "video") {
        await t.sender.replaceTrack(stream.getVideoTracks()[0]);
        t.direction = "sendonly";
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    // Non-trickle answer: wait for our candidates (bounded), like MediaMTX does.
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 3000);
    });
    return pc.localDescription!.sdp;
  };
  g.addCandidates = async (id: string, cands: { mid: string; candidate: string }[]) => {
    const pc = pcs.get(id);
    for (const c of cands) await pc?.addIceCandidate({ candidate: c.candidate, sdpMid: c.mid });
  };
  g.closePeer = (id: string) => {
    pcs.get(id)?.close();
    pcs.delete(id);
  };
}

export function whepApp(peer: () => Page, prefix = "/whep") {
  const log: WhepLog = { posts: 0, patches: 0, candidates: 0, deletes: [] };
  const state = { mode: "ok" as "ok" | "capacity" };
  let next = 0;
  const app = new Hono();
  app.get("/peer.html", (c) => c.html("<!doctype html><title>whep peer</title>"));
  app.post(`${prefix}/:camera/whep`, async (c) => {
    log.posts++;
    if (c.req.header("content-type") !== "application/sdp") return c.text("need sdp", 415);
    if (state.mode === "capacity") return c.text("reader limit reached", 503);
    const offer = await c.req.text();
    const id = `s${next++}`;
    const answer = await peer().evaluate(
      ([id, offer]) =>
        (globalThis as unknown as { answerOffer(i: string, o: string): Promise<string> })
          .answerOffer(id, offer),
      [id, offer] as const,
    );
    return c.body(answer, 201, {
      "content-type": "application/sdp",
      location: `${prefix}/${c.req.param("camera")}/whep/${id}`,
    });
  });
  app.patch(`${prefix}/:camera/whep/:id`, async (c) => {
    if (c.req.header("content-type") !== "application/trickle-ice-sdpfrag") {
      return c.text("bad type", 415);
    }
    const cands = parseFragment(await c.req.text());
    log.patches++;
    log.candidates += cands.length;
    await peer().evaluate(
      ([id, cands]) =>
        (globalThis as unknown as { addCandidates(i: string, c: unknown): Promise<void> })
          .addCandidates(id, cands),
      [c.req.param("id"), cands] as const,
    );
    return c.body(null, 204);
  });
  app.delete(`${prefix}/:camera/whep/:id`, async (c) => {
    log.deletes.push(c.req.param("id"));
    await peer().evaluate(
      (id) => (globalThis as unknown as { closePeer(i: string): void }).closePeer(id),
      c.req.param("id"),
    );
    return c.body(null, 200);
  });
  return { app, log, state };
}

/** Open the peer page on `origin` and install the answering script. */
export async function preparePeer(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/peer.html`);
  await page.evaluate(`(${_peerScript.toString()})()`);
}

/** Chromium flags so two pages on one host connect over real host candidates. */
export const WEBRTC_ARGS = [
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

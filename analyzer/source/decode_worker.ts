/**
 * Decode Worker: runs ffmpeg, reads raw RGB24 frames from its stdout with a BYOB reader straight
 * into reusable buffers, and pairs each with its PTS from the `showinfo` log on stderr.
 * Latest-state: the main thread pulls; a frame nobody asked for is replaced by the next one and
 * counted as dropped, so a busy detector never makes decoding fall behind the live edge.
 */
/// <reference lib="deno.worker" />
import { redactSecrets } from "../../shared/redact.ts";
import { reportIsolateMemory } from "../health/isolate_memory.ts";
import type { FrameMeta, FromDecoder, ToDecoder } from "./decode_protocol.ts";
import { CaptureClock } from "./capture_clock.ts";
import { type FrameInfo, parseShowinfoLine } from "./showinfo.ts";

let proc: Deno.ChildProcess | null = null;
let wanted = false;
let pending: { meta: FrameMeta; buf: ArrayBuffer } | null = null;
const recycled: ArrayBuffer[] = [];
let dropped = 0;

self.onmessage = (e: MessageEvent<ToDecoder>) => {
  const msg = e.data;
  if (msg.type === "start") _run(msg.bin, msg.args, msg.anchorMs, msg.lossless);
  else if (msg.type === "next") {
    if (msg.recycle) recycled.push(msg.recycle);
    wanted = true;
    _flush();
  } else if (msg.type === "stop") {
    try {
      proc?.kill("SIGTERM");
    } catch { /* already gone */ }
  }
};

function _post(msg: FromDecoder, transfer: Transferable[] = []) {
  self.postMessage(msg, { transfer });
}

// Lossless mode: the reader waits here while an untaken frame is pending.
let taken: (() => void) | null = null;

function _flush() {
  if (!wanted || !pending) return;
  const { meta, buf } = pending;
  pending = null;
  wanted = false;
  _post({ type: "frame", meta, data: buf }, [buf]);
  taken?.();
  taken = null;
}

/** How often the worker reports its newest decoded frame (the decode link's liveness). */
const DECODED_REPORT_MS = 1_000;
let lastDecodedPostAt = 0;

async function _run(bin: string, args: string[], anchorMs: number | null, lossless: boolean) {
  reportIsolateMemory((memory) => _post({ type: "memory", memory }));
  proc = new Deno.Command(bin, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  const infos: FrameInfo[] = [];
  // Wakes the frame reader when a showinfo line (or the end of stderr) arrives.
  const signal: { wake: (() => void) | null; closed: boolean } = { wake: null, closed: false };
  let timebase = { num: 1, den: 90_000 };
  const tail: string[] = [];

  // stderr: frame infos (one per frame, in order) and the last lines for error reporting.
  const stderrDone = (async () => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const bytes of proc!.stderr) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split(/\r?\n/);
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const p = parseShowinfoLine(line);
        if (p.kind === "frame") {
          infos.push(p.frame);
          signal.wake?.();
        } else if (p.kind === "timebase") timebase = { num: p.num, den: p.den };
        else if (line.trim() && !line.includes("Parsed_showinfo")) {
          tail.push(line);
          if (tail.length > 8) tail.shift();
        }
      }
    }
    signal.closed = true;
    signal.wake?.();
  })();

  const nextInfo = async (): Promise<FrameInfo | null> => {
    while (infos.length === 0) {
      if (signal.closed) return null;
      await new Promise<void>((r) => (signal.wake = r));
      signal.wake = null;
    }
    return infos.shift()!;
  };

  const reader = proc.stdout.getReader({ mode: "byob" });
  let pts0: number | null = null;
  const clock = new CaptureClock(anchorMs);
  try {
    while (true) {
      if (lossless && pending) await new Promise<void>((r) => (taken = r));
      const info = await nextInfo();
      if (!info) break;
      const size = info.width * info.height * 3;
      let buf = recycled.pop();
      while (buf && buf.byteLength !== size) buf = recycled.pop();
      buf ??= new ArrayBuffer(size);
      const filled = await _readExactly(reader, buf, size);
      if (!filled) break;
      pts0 ??= info.pts;
      const ptsS = ((info.pts - pts0) * timebase.num) / timebase.den;
      const arrivedAt = Date.now();
      const captureTs = clock.captureTs(ptsS, arrivedAt);
      if (arrivedAt - lastDecodedPostAt >= DECODED_REPORT_MS) {
        lastDecodedPostAt = arrivedAt;
        _post({ type: "decoded", captureTs, arrivedAt });
      }
      if (pending) {
        dropped++;
        recycled.push(pending.buf);
      }
      pending = {
        meta: {
          n: info.n,
          width: info.width,
          height: info.height,
          ptsS,
          streamPtsS: (info.pts * timebase.num) / timebase.den,
          captureTs,
          arrivedAt,
          keyframe: info.keyframe,
          dropped,
        },
        buf: filled,
      };
      _flush();
    }
  } catch (e) {
    tail.push(`read error: ${(e as Error).message}`);
  }
  const status = await proc.status;
  await stderrDone.catch(() => {});
  _post({
    type: "ended",
    code: status.code,
    reason: redactSecrets(tail.slice(-3).join(" | ")),
  });
  self.close();
}

/** Fill `buf` completely from the stream; null at end of stream. */
async function _readExactly(
  reader: ReadableStreamBYOBReader,
  buf: ArrayBuffer,
  size: number,
): Promise<ArrayBuffer | null> {
  let off = 0;
  while (off < size) {
    const { value, done } = await reader.read(new Uint8Array(buf, off, size - off));
    if (done || !value) return null;
    buf = value.buffer as ArrayBuffer;
    off += value.byteLength;
  }
  return buf;
}

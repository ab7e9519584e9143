/**
 * Start and stop the test RTSP camera (dev/testing/rtsp_camera.py; needs Debian's
 * gir1.2-gst-rtsp-server-1.0 and python3-gi, installed by the test task's setup
 * step, scripts/test_setup.ts).
 */

export interface RtspCamera {
  url: string;
  stop(): Promise<void>;
}

const SCRIPT = new URL("./rtsp_camera.py", import.meta.url).pathname;

export async function startRtspCamera(port: number, path = "/cam", fps = 10): Promise<RtspCamera> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [SCRIPT, String(port), path, String(fps)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = Date.now() + 10_000;
  while (!out.includes("ready")) {
    const r = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((res) =>
        setTimeout(() => res({ done: true, value: undefined }), Math.max(0, deadline - Date.now()))
      ),
    ]);
    if (r.done) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      const err = await new Response(child.stderr).text().catch(() => "");
      throw new Error(`RTSP camera did not start: ${err.trim().slice(-300)}`);
    }
    out += r.value;
  }
  reader.releaseLock();
  child.stderr.cancel().catch(() => {});
  return {
    url: `rtsp://127.0.0.1:${port}${path}`,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

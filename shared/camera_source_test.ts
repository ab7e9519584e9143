import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CAMERA_SCHEMES,
  REPO_ROOT,
  resolveFileSource,
  type SourcePolicy,
  sourcePolicyFromEnv,
  sourceProblem,
} from "./camera_source.ts";

const POLICY = sourcePolicyFromEnv(() => undefined);

Deno.test("camera sources: camera URLs and files under the media directory are accepted", () => {
  assert.equal(POLICY.mediaDir, join(REPO_ROOT, "samples"));
  for (
    const ok of [
      "rtsp://admin:pw@192.168.1.64:554/Streaming/Channels/101",
      "rtsps://10.0.0.1:7441/abcdef?enableSrtp",
      "rtmp://h/live/x",
      "rtmps://h/live/x",
      "srt://h:9000?passphrase=x",
      "http://h/mjpg/video.mjpg",
      "HTTPS://h/live.m3u8",
      "samples/vtest.mp4",
      "samples/scenes/full_stop.mp4",
      join(REPO_ROOT, "samples/vtest.mp4"),
      `file://${join(REPO_ROOT, "samples/vtest.mp4")}`,
    ]
  ) assert.equal(sourceProblem(ok, POLICY), null, ok);
});

Deno.test("camera sources: local files elsewhere, traversal and ffmpeg pseudo-protocols are refused", () => {
  for (
    const bad of [
      "/etc/passwd",
      "file:///proc/self/environ",
      "file:/etc/passwd",
      "concat:samples/a.mp4|samples/b.mp4",
      "subfile,,start,0,end,100,,:/etc/passwd",
      "subfile:/etc/passwd",
      "pipe:0",
      "data:text/plain;base64,aGk=",
      "fd:3",
      "async:file:/etc/passwd",
      "cache:http://h/x",
      "crypto:samples/x",
      "gopher://h/x",
      "tcp://h:1",
      "udp://h:1",
      "unix:/run/x.sock",
      "samples/../config/stopline.yaml",
      "../etc/passwd",
      join(REPO_ROOT, "samples/../deno.json"),
      "config/stopline.yaml",
      "samples/a.mp4\nb",
      "http://",
      "http:/h/x",
      "rtsp://h/x y",
      "",
    ]
  ) {
    const problem = sourceProblem(bad, POLICY);
    assert.ok(problem, `accepted: ${JSON.stringify(bad)}`);
    assert.ok(!problem.includes("passwd") && !problem.includes("environ"), problem);
  }
});

Deno.test("camera sources: a symlink out of the media directory is refused", async () => {
  const media = await Deno.makeTempDir();
  try {
    await Deno.symlink("/etc/hostname", `${media}/out.mp4`);
    await Deno.writeTextFile(`${media}/in.mp4`, "x");
    const policy: SourcePolicy = { mediaDir: media, schemes: CAMERA_SCHEMES };
    assert.equal(sourceProblem(`${media}/in.mp4`, policy), null);
    assert.match(sourceProblem(`${media}/out.mp4`, policy)!, /media directory/);
    // STOPLINE_MEDIA_DIR moves the directory; relative to the repo root.
    assert.equal(sourcePolicyFromEnv(() => media).mediaDir, media);
    assert.equal(sourcePolicyFromEnv(() => "clips").mediaDir, join(REPO_ROOT, "clips"));
  } finally {
    await Deno.remove(media, { recursive: true });
  }
});

Deno.test("camera sources: without a media directory only URLs; other scheme lists", () => {
  const urlsOnly: SourcePolicy = { mediaDir: null, schemes: [...CAMERA_SCHEMES, "whep"] };
  assert.match(sourceProblem("samples/vtest.mp4", urlsOnly)!, /file sources are not allowed/);
  assert.equal(sourceProblem("whep://h/cam/whep", urlsOnly), null);
  assert.match(sourceProblem("whep://h/cam/whep", POLICY)!, /scheme whep: is not allowed/);
  assert.equal(resolveFileSource("samples/x.mp4"), join(REPO_ROOT, "samples/x.mp4"));
});

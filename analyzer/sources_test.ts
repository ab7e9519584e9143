import assert from "node:assert/strict";
import { CameraSchema } from "../shared/config.ts";
import { mediaAccessFromEnv, resolveSource, withMediaReader } from "./sources.ts";

const cam = (source: string) => CameraSchema.parse({ source, loop: true });
const READER = { host: "mediamtx:8554", user: "reader", password: "p@ss/w:rd" };

Deno.test("sources: the MediaMTX reader is added only to media-server sources without user info", () => {
  assert.equal(
    withMediaReader("rtsp://mediamtx:8554/cam_01", READER),
    "rtsp://reader:p%40ss%2Fw%3Ard@mediamtx:8554/cam_01",
  );
  assert.equal(
    withMediaReader("rtsp://MEDIAMTX:8554/x", READER),
    "rtsp://reader:p%40ss%2Fw%3Ard@MEDIAMTX:8554/x",
  );
  for (
    const other of [
      "rtsp://mediamtx:8555/cam_01", // another port
      "rtsp://evil.example:8554/cam_01", // another host
      "http://127.0.0.1:9/x/mediamtx:8554", // the name elsewhere in the URL
      "rtsp://u:own@mediamtx:8554/cam_01", // credentials of its own
    ]
  ) assert.equal(withMediaReader(other, READER), other);
  assert.equal(
    withMediaReader("rtsp://mediamtx:8554/cam_01", undefined),
    "rtsp://mediamtx:8554/cam_01",
  );
});

Deno.test("sources: the dev relay's stream carries the relay token; env names", () => {
  const access = mediaAccessFromEnv((n) =>
    ({
      STOPLINE_MEDIA_URL: "http://127.0.0.1:8000/media/",
      STOPLINE_MEDIA_TOKEN: "tok.en+/=",
      MEDIA_READ_HOST: "mediamtx:8554",
      MEDIA_READ_USER: "reader",
      MEDIA_READ_PASSWORD: "pw",
    })[n]
  );
  assert.equal(
    resolveSource("cam_01", cam("samples/vtest.mp4"), access).spec.source,
    "http://127.0.0.1:8000/media/cam_01.mp4?token=tok.en%2B%2F%3D",
  );
  assert.equal(
    resolveSource("cam_01", cam("rtsp://mediamtx:8554/cam_01"), access).spec.source,
    "rtsp://reader:pw@mediamtx:8554/cam_01",
  );
  assert.equal(mediaAccessFromEnv(() => undefined).reader, undefined);
  const noToken = resolveSource("c", cam("samples/vtest.mp4"), { relayUrl: "http://h/media" });
  assert.equal(noToken.spec.source, "http://h/media/c.mp4");
});

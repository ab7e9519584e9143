import assert from "node:assert/strict";
import { redactSecrets, redactSource, registerSecret } from "./redact.ts";

Deno.test("redact: user info and secret query parameters, anywhere in a line", () => {
  assert.equal(redactSource("rtsp://admin:hunter2@10.0.0.9/s1"), "rtsp://***@10.0.0.9/s1");
  assert.equal(
    redactSource("error opening http://u:p@h/x?token=abc&w=1 failed"),
    "error opening http://***@h/x?token=***&w=1 failed",
  );
  // An SRT passphrase is the stream's encryption key: hidden too (whole-key match: `pass` in
  // `passphrase` is not what matched).
  assert.equal(
    redactSource("srt://h:9000?passphrase=x&pass=y&latency=200"),
    "srt://h:9000?passphrase=***&pass=***&latency=200",
  );
  assert.equal(redactSource("/videos/cam.mp4"), "/videos/cam.mp4");
});

/** Real camera URL shapes, each with the substrings that must never be shown. */
const CORPUS: { url: string; secrets: string[]; keeps?: string[] }[] = [
  {
    url: "rtsp://admin:hik12345@192.168.1.64:554/Streaming/Channels/101",
    secrets: ["hik12345", "admin"],
    keeps: ["192.168.1.64:554/Streaming/Channels/101"],
  },
  {
    url: "rtsp://admin:dahua!Pw9@10.1.2.3:554/cam/realmonitor?channel=1&subtype=0",
    secrets: ["dahua!Pw9"],
    keeps: ["10.1.2.3:554/cam/realmonitor?channel=1&subtype=0"],
  },
  {
    url: "rtsp://root:axisPW77@axis-cam.local/axis-media/media.amp?videocodec=h264",
    secrets: ["axisPW77"],
    keeps: ["axis-cam.local/axis-media/media.amp?videocodec=h264"],
  },
  {
    url: "http://10.0.0.8/cgi-bin/api.cgi?cmd=Snap&channel=0&user=admin&password=reoPW55",
    secrets: ["reoPW55", "user=admin"],
    keeps: ["cmd=Snap&channel=0"],
  },
  {
    url: "rtmp://10.0.0.8/bcs/channel0_main.bcs?channel=0&stream=0&user=admin&password=reoPW56",
    secrets: ["reoPW56"],
  },
  {
    url: "rtsps://192.168.1.1:7441/Xb3kUniFiTok3n7Q?enableSrtp",
    secrets: ["Xb3kUniFiTok3n7Q"],
    keeps: ["192.168.1.1:7441/", "?enableSrtp"],
  },
  {
    url: "https://cam.example/live/3f9a2b7c9d1e4f60a1b2/index.m3u8",
    secrets: ["3f9a2b7c9d1e4f60a1b2"],
    keeps: ["/live/", "/index.m3u8"],
  },
  {
    url: "rtsp://admin:Pa@ss@host.example/live",
    secrets: ["Pa@ss", "@ss"],
    keeps: ["host.example"],
  },
  { url: "rtsp://user:p%40ss@cam.example:554/s1", secrets: ["p%40ss"], keeps: ["cam.example:554"] },
  { url: "rtsp://u:pa:ss:w0rd@cam.example/s1", secrets: ["pa:ss:w0rd", "w0rd"] },
  { url: "rtsp://u:pa/ss@cam.example/s1", secrets: ["pa/ss", "ss@"] },
  { url: "rtsp://u:pa?ss@cam.example/s1", secrets: ["pa?ss", "ss@"] },
  { url: "rtsp://u:pa#ss@cam.example/s1", secrets: ["pa#ss", "ss@"] },
  { url: "rtsp://u:a@b/c?d#e@cam.example/s1", secrets: ["a@b/c?d#e", "d#e"] },
  { url: "rtsp://onlytoken123@cam.example/s1", secrets: ["onlytoken123"] },
  { url: "https://cam.example/live.m3u8?pwd=pw111", secrets: ["pw111"] },
  { url: "https://cam.example/live.m3u8?access_token=at222&x=1", secrets: ["at222"] },
  { url: "https://cam.example/live?apikey=ak333", secrets: ["ak333"] },
  { url: "https://cam.example/live?api_key=ak334", secrets: ["ak334"] },
  { url: "https://cam.example/live?passwd=pw444", secrets: ["pw444"] },
  { url: "https://cdn.example/live/x.m3u8?sig=sg555&exp=1", secrets: ["sg555"] },
  {
    url: "https://b.s3.example/v.mp4?X-Amz-Credential=AKIAEX%2F2026&X-Amz-Signature=abcd6666",
    secrets: ["AKIAEX", "abcd6666"],
  },
  { url: "http://cam.example/mjpg/video.mjpg?auth=YWRtaW46cHc=", secrets: ["YWRtaW46cHc"] },
  { url: "http://cam.example/video.cgi?usr=admin&pwd=fos777", secrets: ["fos777"] },
  { url: "rtsp://cam.example/live?Token=TK888&session=S999", secrets: ["TK888", "S999"] },
];

Deno.test("redact: no secret survives, across a corpus of real camera URL shapes", () => {
  for (const { url, secrets, keeps = [] } of CORPUS) {
    const shown = [
      redactSource(url),
      redactSecrets(url),
      redactSecrets(`[ffmpeg] ${url}: Server returned 401 Unauthorized`),
      redactSecrets(JSON.stringify({ source: url })),
      redactSecrets(`error opening '${url}' (tcp)`),
    ];
    for (const s of shown) {
      for (const secret of secrets) {
        assert.ok(!s.includes(secret), `${secret} survives in ${s}`);
      }
      for (const k of keeps) assert.ok(s.includes(k), `${k} should stay visible in ${s}`);
    }
  }
});

Deno.test("redact: an @ in a path is not user info; ${NAME} references stay", () => {
  assert.equal(redactSource("rtsp://host/a@b"), "rtsp://host/a@b");
  assert.equal(redactSource("rtsp://host:554/a@b"), "rtsp://host:554/a@b");
  assert.equal(redactSource("rtsp://u:${PW}@host/s"), "rtsp://u:${PW}@host/s");
  assert.equal(
    redactSource("rtsp://${STOPLINE_CAM_U}:${STOPLINE_CAM_P}@h/s?password=${STOPLINE_CAM_Q}"),
    "rtsp://${STOPLINE_CAM_U}:${STOPLINE_CAM_P}@h/s?password=${STOPLINE_CAM_Q}",
  );
  assert.equal(redactSource("rtsp://u:x${PW}@host/s"), "rtsp://***@host/s");
  // Two URLs on one line are redacted independently.
  assert.equal(
    redactSecrets("from rtsp://a:b1@h1/x to rtsp://c:d2@h2/y"),
    "from rtsp://***@h1/x to rtsp://***@h2/y",
  );
});

Deno.test("redact: bearer tokens, JWTs and name=value credentials in free text", () => {
  assert.equal(redactSecrets("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
  assert.equal(
    redactSecrets("got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln from x"),
    "got ***jwt*** from x",
  );
  assert.equal(
    redactSecrets("login failed password=hunter2 user=bob"),
    "login failed password=*** user=***",
  );
  assert.equal(redactSecrets("channel=1 subtype=0 keyframe=1"), "channel=1 subtype=0 keyframe=1");
});

Deno.test("redact: a registered secret is hidden anywhere, also percent-encoded", () => {
  registerSecret("path-Secret/42");
  assert.equal(
    redactSecrets("GET http://127.0.0.1:9/x/path-Secret/42 failed"),
    "GET http://127.0.0.1:9/x/*** failed",
  );
  assert.equal(redactSource("http://h/x/path-Secret%2F42"), "http://h/x/***");
  registerSecret("abc"); // too short to replace in free text: left alone
  assert.equal(redactSecrets("abc"), "abc");
});

Deno.test("redact: the decode worker's import stays free of zod and yaml", async () => {
  // The worker's module graph is part of every restart: keep this module dependency-free.
  const text = await Deno.readTextFile(new URL("./redact.ts", import.meta.url));
  assert.doesNotMatch(text, /^import /m);
  const worker = await Deno.readTextFile(
    new URL("../analyzer/source/decode_worker.ts", import.meta.url),
  );
  assert.doesNotMatch(worker, /shared\/config\.ts/);
});

Deno.test("redact: a JWT in a source path is hidden in a value as in free text", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW0ifQ.c2lnbmF0dXJl";
  assert.equal(
    redactSource(`https://h/live/${jwt}/index.m3u8`),
    "https://h/live/***jwt***/index.m3u8",
  );
  assert.equal(redactSecrets(`GET https://h/live/${jwt}/x`), "GET https://h/live/***jwt***/x");
});

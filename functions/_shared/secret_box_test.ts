import assert from "node:assert/strict";
import { SecretBox, SecretBoxError } from "./secret_box.ts";

const _key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const URL_ = "rtsp://admin:hunter2@10.0.0.7:554/stream1";

Deno.test("secret box: AES-GCM round trip, random IV, nothing readable at rest", async () => {
  const box = await SecretBox.create(_key());
  assert.equal(box.encrypts, true);
  const a = await box.seal(URL_, "cam_01");
  const b = await box.seal(URL_, "cam_01");
  assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, "a fresh IV per seal");
  assert.ok(!a.includes("hunter2") && !a.includes("10.0.0.7"));
  assert.equal(await box.open(a, "cam_01"), URL_);
});

Deno.test("secret box: wrong key, wrong context and tampering are rejected", async () => {
  const box = await SecretBox.create(_key());
  const sealed = await box.seal(URL_, "cam_01");
  await assert.rejects(() => box.open(sealed, "cam_02"), SecretBoxError);
  await assert.rejects(() => (SecretBox.create(_key())).then((o) => o.open(sealed, "cam_01")));
  const flipped = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
  await assert.rejects(() => box.open(flipped, "cam_01"), SecretBoxError);
  await assert.rejects(() => box.open("v2:whatever", "cam_01"), /unknown secret format/);
});

Deno.test("secret box: without a key values are marked plaintext; keys are validated", async () => {
  const plain = await SecretBox.create(undefined);
  assert.equal(plain.encrypts, false);
  const stored = await plain.seal(URL_);
  assert.equal(stored, `plain:${URL_}`);
  assert.equal(await plain.open(stored), URL_);
  // Turning a key on later still reads old plaintext rows; a sealed value needs the key.
  const keyed = await SecretBox.create(_key());
  assert.equal(await keyed.open(stored), URL_);
  await assert.rejects(() => plain.open(`v1:AAAA:BBBB`), /STOPLINE_SECRET_KEY is not set/);
  await assert.rejects(() => SecretBox.create(btoa("short")), /32 bytes/);
  await assert.rejects(() => SecretBox.create("not base64!!"), /base64/);
  const fromEnv = await SecretBox.fromEnv(() => undefined);
  assert.equal(fromEnv.encrypts, false);
});

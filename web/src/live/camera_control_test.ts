import assert from "node:assert/strict";
import { mayControlCamera, tokenClaims } from "./camera_control.ts";

function _jwt(claims: Record<string, unknown>): string {
  // JWT segments are base64url of UTF-8 bytes.
  const b64url = (s: string) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(
      /\//g,
      "_",
    ).replace(/=+$/, "");
  return `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;
}

Deno.test("camera control: offered to operators and admins of that camera, anyone with auth off", () => {
  assert.equal(mayControlCamera(false, null, "cam_01"), true);
  assert.equal(mayControlCamera(true, null, "cam_01"), false);
  assert.equal(mayControlCamera(true, "not a jwt", "cam_01"), false);
  assert.equal(mayControlCamera(true, _jwt({ role: "viewer" }), "cam_01"), false);
  assert.equal(mayControlCamera(true, _jwt({ role: "operator" }), "cam_01"), true);
  assert.equal(mayControlCamera(true, _jwt({ role: "admin" }), "cam_01"), true);
  const scoped = _jwt({ role: "operator", cameras: ["cam_A"] });
  assert.equal(mayControlCamera(true, scoped, "cam_A"), true);
  assert.equal(mayControlCamera(true, scoped, "cam_B"), false);
  assert.deepEqual(tokenClaims(_jwt({ role: "operator", sub: "ö" })), {
    role: "operator",
    sub: "ö",
  });
});

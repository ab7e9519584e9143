/**
 * Mint a MediaMTX token for a machine client under `authMethod: jwt` (docs/DEPLOY.md): the
 * publisher (ffmpeg, a camera that pushes) or the analyzer (reads every camera), which cannot
 * ask /api/media-token for a fresh one. Signed with STOPLINE_JWT_PRIVATE_KEY, so MediaMTX
 * verifies it through /.well-known/jwks.json; rotate it with the key.
 *
 *   deno run -A scripts/media_token.ts --action publish --path cam_01 --days 30
 *   deno run -A scripts/media_token.ts --action read --days 30        # every path (analyzer)
 */
import { parseArgs } from "node:util";
import { authFromEnv } from "../functions/_shared/auth.ts";
import { signToken } from "../functions/_shared/jwt.ts";

const { values } = parseArgs({
  options: {
    action: { type: "string", default: "read" },
    path: { type: "string", multiple: true },
    days: { type: "string", default: "30" },
    sub: { type: "string", default: "media-client" },
  },
});
const auth = authFromEnv();
if (!auth.privateKey) {
  console.error("STOPLINE_JWT_PRIVATE_KEY is not set: MediaMTX can only verify asymmetric tokens");
  Deno.exit(2);
}
if (!["publish", "read", "playback"].includes(values.action!)) {
  console.error("--action must be publish, read or playback");
  Deno.exit(2);
}
const paths = values.path?.length ? values.path : [""];
// The token also verifies at stopline's own API (same keys): a publisher's sees no camera there.
const cameras = values.action === "publish" ? [] : paths.includes("") ? undefined : paths;
const token = await signToken({
  sub: values.sub!,
  role: "viewer",
  ...(cameras ? { cameras } : {}),
  exp: Math.floor(Date.now() / 1000) + Number(values.days) * 86_400,
  mediamtx_permissions: paths.map((path) => ({ action: values.action, path })),
}, auth);
console.log(token);

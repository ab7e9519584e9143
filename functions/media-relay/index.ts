/**
 * Dev media relay function: live fMP4 per camera over WebSocket (MSE) and chunked HTTP. It
 * serves live video from the server's own ffmpeg, so it exists only where asked for:
 * STOPLINE_MEDIA_RELAY=1 (production video goes through MediaMTX and its auth hook).
 */
import { createMediaRelay } from "./relay.ts";
import { configSources } from "./sources.ts";

export { createMediaRelay } from "./relay.ts";
export type { MediaRelay, MediaRelayOptions } from "./relay.ts";

const enabled = Deno.env.get("STOPLINE_MEDIA_RELAY") === "1";
let _app: ReturnType<typeof createMediaRelay> | undefined;

export default {
  fetch: (req: Request) => {
    if (!enabled) {
      return Response.json({ error: "the media relay is off (STOPLINE_MEDIA_RELAY=1)" }, {
        status: 404,
      });
    }
    _app ??= createMediaRelay({ sources: configSources() });
    return _app.fetch(req);
  },
};

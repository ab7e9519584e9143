/** Dev media relay function: live fMP4 per camera over WebSocket (MSE) and chunked HTTP. */
import { createMediaRelay } from "./relay.ts";
import { configSources } from "./sources.ts";

export { createMediaRelay } from "./relay.ts";
export type { MediaRelay, MediaRelayOptions } from "./relay.ts";

export const app = createMediaRelay({ sources: configSources() });

export default { fetch: app.fetch };

/** The tick relay alone on a port (a separate process, so the fan-out bench can measure its CPU). */
import { startRelay } from "../functions/relay/index.ts";

const [databaseUrl, port] = Deno.args;
const relay = startRelay(databaseUrl);
Deno.serve(
  { hostname: "127.0.0.1", port: Number(port), onListen: () => console.log("listening") },
  relay.app.fetch,
);

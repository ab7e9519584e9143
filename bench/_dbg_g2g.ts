import { measurePlayer, summarize } from "./glass_to_glass.ts";
import { msSinceStamp } from "./time_stripe.ts";
const r = await measurePlayer(Deno.args[0] as "whep", 3, { log: (m) => console.log(new Date().toISOString(), m) });
console.log(JSON.stringify(summarize(r)));
for (const s of r.samples.slice(0, 100).filter((_, i) => i % 5 === 0)) console.log(JSON.stringify((s as any).dbg), "analyzer ts-made", msSinceStamp(s.stamp, r.captureOf.get(s.stamp)!), "latency", s.latencyMs);

/**
 * N WebSocket clients of /ws for one camera; prints one JSON line with per-message delivery
 * latency percentiles (receive time - tick.ts) once `seconds` have passed.
 * Run: deno run -A bench/ws_clients.ts URL N SECONDS
 */
const [url, n, seconds] = [Deno.args[0], Number(Deno.args[1]), Number(Deno.args[2])];
const lat: number[] = [];
let open = 0;
let closed = 0;
const sockets: WebSocket[] = [];
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(url);
  ws.onopen = () => open++;
  ws.onclose = () => closed++;
  ws.onmessage = (e) => {
    const at = Date.now();
    // Cheap check first: only ticks carry "seq".
    if (typeof e.data === "string" && e.data.includes('"type":"tick"')) {
      const ts = Number(/"ts":(\d+)/.exec(e.data)?.[1]);
      if (ts) lat.push(at - ts);
    }
  };
  sockets.push(ws);
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50)); // do not SYN-flood ourselves
}
const t0 = Date.now();
while (open + closed < n && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ type: "connected", open }));
lat.length = 0;
await new Promise((r) => setTimeout(r, seconds * 1000));
const s = lat.sort((a, b) => a - b);
const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
console.log(
  JSON.stringify({
    type: "result",
    open,
    closed,
    messages: s.length,
    p50: p(0.5),
    p95: p(0.95),
    p99: p(0.99),
    max: s.at(-1),
  }),
);
for (const ws of sockets) ws.close();
Deno.exit(0);

/** A local webhook receiver for the notifier tests: records every request, answers as told. */

export interface ReceivedHook {
  body: string;
  headers: Headers;
  status: number;
}

export interface TestReceiver {
  url: string;
  got: ReceivedHook[];
  /** The status the next requests get (default 200). */
  answer: (status: number) => void;
  close(): Promise<void>;
}

export function startReceiver(): TestReceiver {
  const got: ReceivedHook[] = [];
  let status = 200;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    got.push({ body, headers: req.headers, status });
    return status === 302
      ? new Response(null, { status, headers: { location: "http://169.254.169.254/" } })
      : new Response(status < 300 ? "ok" : "no", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    got,
    answer: (s) => (status = s),
    close: () => server.shutdown(),
  };
}

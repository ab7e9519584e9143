/**
 * A real MQTT broker for tests: Debian's mosquitto on a free loopback port, with its own temporary
 * config and a password file (anonymous clients refused), never the system broker on 1883.
 * `stop()`/`start()` restart it on the same port, for outage tests.
 */
import { freePort } from "../free_port.ts";

export interface TestBroker {
  url: string;
  port: number;
  username: string;
  password: string;
  /** Stop the broker (SIGTERM) and wait for its exit; the port stays reserved for `start`. */
  stop(): Promise<void>;
  /** Start it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBroker(
  opts: {
    username?: string;
    password?: string;
    /** Keep sessions and retained messages across `stop`/`start` (saved on SIGTERM). */
    persistence?: boolean;
  } = {},
): Promise<TestBroker> {
  const username = opts.username ?? "stopline";
  const password = opts.password ?? "broker-test-secret";
  const dir = await Deno.makeTempDir({ prefix: "stopline-mosquitto-" });
  const passwd = `${dir}/passwd`;
  const made = await new Deno.Command("mosquitto_passwd", {
    args: ["-b", "-c", passwd, username, password],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`mosquitto_passwd not found (apt-get install mosquitto): ${e.message}`);
  });
  if (!made.success) throw new Error(new TextDecoder().decode(made.stderr));
  const port = freePort();
  // Run as root, mosquitto would switch to user "mosquitto", who cannot read our temp dir.
  const user = Deno.uid() === 0 ? "user root\n" : "";
  await Deno.writeTextFile(
    `${dir}/mosquitto.conf`,
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\n` +
      (opts.persistence
        ? `persistence true\npersistence_location ${dir}/\n`
        : "persistence false\n") +
      `log_dest stderr\n${user}`,
  );
  let child: Deno.ChildProcess | null = null;
  let log = "";

  const start = async () => {
    child = new Deno.Command("mosquitto", {
      args: ["-c", `${dir}/mosquitto.conf`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const c = child;
    (async () => {
      for await (const chunk of c.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
    })().catch(() => {});
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`mosquitto did not listen on ${port}:\n${log}`);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c) return;
    try {
      c.kill("SIGTERM");
    } catch { /* already gone */ }
    await c.status;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    username,
    password,
    stop,
    start,
    async close() {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

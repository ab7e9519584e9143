/**
 * A real MQTT broker for tests: Debian's mosquitto on a free loopback port, with its own temporary
 * config and a password file (anonymous clients refused), never the system broker on 1883.
 * `stop()`/`start()` restart it on the same port, for outage tests. With `tls`, it speaks only
 * TLS (mqtts://) with a server certificate for 127.0.0.1 from a throwaway CA made with openssl.
 */
import { freePort } from "../free_port.ts";

export interface TestBroker {
  url: string;
  port: number;
  /** The throwaway CA's certificate (PEM) when started with `tls`. */
  caPem: string | null;
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
    tls?: boolean;
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
  const tls = opts.tls ? await _makeCerts(dir) : null;
  // Run as root, mosquitto would switch to user "mosquitto", who cannot read our temp dir.
  const user = Deno.uid() === 0 ? "user root\n" : "";
  await Deno.writeTextFile(
    `${dir}/mosquitto.conf`,
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\n` +
      (opts.persistence
        ? `persistence true\npersistence_location ${dir}/\n`
        : "persistence false\n") +
      (tls ? `cafile ${tls.ca}\ncertfile ${tls.cert}\nkeyfile ${tls.key}\n` : "") +
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
    url: `${tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    port,
    caPem: tls ? await Deno.readTextFile(tls.ca) : null,
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

/** A CA and a server certificate for 127.0.0.1/localhost signed by it (P-256, valid 2 days). */
async function _makeCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (args: string[]) => {
    const o = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output().catch((e) => {
        throw new Error(`openssl not found: ${e.message}`);
      });
    if (!o.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(o.stderr)}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=stopline test CA",
  ]);
  await run([
    "req",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "san.ext",
  ]);
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}

import assert from "node:assert/strict";
import process from "node:process";
import { ConfigError, parseConfigYaml } from "./config.ts";

/** Everything printed to the console or emitted as a process warning while `fn` runs. */
function printed(fn: () => void): string[] {
  const out: string[] = [];
  const saved = { warn: console.warn, error: console.error, log: console.log };
  const savedEmit = process.emitWarning;
  const grab = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.warn = console.error = console.log = grab;
  process.emitWarning = ((w: unknown) => void out.push(String(w))) as typeof process.emitWarning;
  try {
    fn();
  } finally {
    Object.assign(console, saved);
    process.emitWarning = savedEmit;
  }
  return out;
}

Deno.test("config YAML: parser warnings and errors never print or quote a config line", () => {
  // An unknown tag is a yaml warning; by default the package prints it with the raw line.
  const warned = "cameras:\n  cam_01:\n    source: !weird rtsp://admin:hunter2@10.0.0.5/s\n";
  const out = printed(() => {
    try {
      parseConfigYaml(warned);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
  });
  assert.deepEqual(out, []);
  // A syntax error names a position, not the line holding the password.
  const broken = 'cameras:\n  cam_01:\n    source: "rtsp://admin:hunter2@10.0.0.5/s\n  x: [\n';
  const err = (() => {
    try {
      parseConfigYaml(broken);
    } catch (e) {
      return e as ConfigError;
    }
  })();
  assert.ok(err instanceof ConfigError);
  assert.doesNotMatch(JSON.stringify(err.issues), /hunter2/);
});

import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml } from "yaml";
import { type Contract, CONTRACTS, SCHEMAS_DIR, schemaText } from "./gen_schemas.ts";
import { parseConfigYaml } from "../shared/config.ts";
import { decodeText, encodeBroadcast, encodeReply } from "../functions/relay/realtime/codec.ts";

const FIXTURES_DIR = new URL("fixtures/", SCHEMAS_DIR);

async function _fixtures(): Promise<{ file: string; contract: Contract; value: unknown }[]> {
  const out = [];
  for await (const e of Deno.readDir(FIXTURES_DIR)) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const stem = e.name.split(".")[0];
    const contract = CONTRACTS.find((c) => c.name === stem);
    assert.ok(contract, `${e.name}: no contract named ${stem}`);
    const value = JSON.parse(await Deno.readTextFile(new URL(e.name, FIXTURES_DIR)));
    out.push({ file: e.name, contract, value });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Validators compiled from the committed schema files (what a third party would use). */
async function _validators() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const byName = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const c of CONTRACTS) {
    const text = await Deno.readTextFile(new URL(`${c.name}.schema.json`, SCHEMAS_DIR));
    byName.set(c.name, ajv.compile(JSON.parse(text)));
  }
  return (name: string, value: unknown): string | null => {
    const validate = byName.get(name)!;
    return validate(value) ? null : JSON.stringify(validate.errors);
  };
}

Deno.test("committed docs/schemas match the zod schemas", async () => {
  for (const c of CONTRACTS) {
    const url = new URL(`${c.name}.schema.json`, SCHEMAS_DIR);
    const committed = await Deno.readTextFile(url).catch(() => "(missing)");
    assert.ok(
      committed === schemaText(c),
      `docs/schemas/${c.name}.schema.json differs from its zod schema: run \`deno task schemas\``,
    );
  }
});

Deno.test("every fixture passes its JSON Schema (ajv, draft 2020-12) and its zod schema", async () => {
  const check = await _validators();
  const fixtures = await _fixtures();
  for (const { file, contract, value } of fixtures) {
    assert.equal(check(contract.name, value), null, `${file} against ${contract.name}.schema.json`);
    const parsed = contract.schema.safeParse(value);
    assert.ok(parsed.success, `${file}: ${parsed.error?.message}`);
  }
  // Every contract has an example; the message contracts the brief names have their cases.
  const files = fixtures.map((f) => f.file);
  // relay_message is checked against the tick, event, pass and status fixtures (next test).
  for (const c of CONTRACTS.filter((c) => c.name !== "relay_message")) {
    assert.ok(files.some((f) => f.startsWith(`${c.name}.`)), `no fixture for ${c.name}`);
  }
  for (
    const f of [
      "tick.typical.json",
      "tick.clamped.json",
      "tick.truncated.json",
      "tick.empty.json",
      "track_event.new.json",
      "track_event.update.json",
      "track_event.end.json",
      "pass.full_stop.json",
      "pass.rolling_stop.json",
      "pass.no_stop.json",
      "status.analyzer_online.json",
      "config.typical.json",
    ]
  ) assert.ok(files.includes(f), `missing fixture ${f}`);
});

Deno.test("the tick relay's messages: each tick, event, pass and analyzer status fixture", async () => {
  const check = await _validators();
  const relayed = (await _fixtures()).filter((f) =>
    ["tick", "track_event", "pass"].includes(f.contract.name) ||
    f.file.startsWith("status.analyzer")
  );
  assert.ok(relayed.length >= 10);
  for (const { file, value } of relayed) assert.equal(check("relay_message", value), null, file);
  const video = JSON.parse(
    await Deno.readTextFile(new URL("status.video_offline.json", FIXTURES_DIR)),
  );
  assert.notEqual(
    check("relay_message", video),
    null,
    "the video status is not a tick-relay message",
  );
});

Deno.test("both validators reject what the contract forbids", async () => {
  const check = await _validators();
  const tick = JSON.parse(await Deno.readTextFile(new URL("tick.typical.json", FIXTURES_DIR)));
  const tick_schema = CONTRACTS.find((c) => c.name === "tick")!.schema;
  const bad = [
    { ...tick, v: 2 },
    { ...tick, camera: "../etc" },
    { ...tick, tracks: [{ ...tick.tracks[0], bbox: [0.1, 0.2, 1.5, 0.3] }] },
    { ...tick, tracks: [{ ...tick.tracks[0], phase: "parked" }] },
    { ...tick, stats: undefined },
  ];
  for (const b of bad) {
    const value = JSON.parse(JSON.stringify(b));
    assert.notEqual(check("tick", value), null, JSON.stringify(value).slice(0, 80));
    assert.equal(tick_schema.safeParse(value).success, false);
  }
  const pass = JSON.parse(await Deno.readTextFile(new URL("pass.no_stop.json", FIXTURES_DIR)));
  assert.notEqual(check("pass", { ...pass, pass: { ...pass.pass, verdict: "maybe" } }), null);
  // The config file is strict: an unknown key is a typo, refused by both.
  const config = { cameras: { cam_01: { source: "a.mp4", detekt: {} } } };
  assert.notEqual(check("config", config), null);
});

Deno.test("the config fixture and the committed config files load as YAML and validate", async () => {
  const check = await _validators();
  const fixture = await Deno.readTextFile(new URL("config.typical.json", FIXTURES_DIR));
  // JSON is YAML: the fixture loads through the real config loader.
  assert.deepEqual(Object.keys(parseConfigYaml(fixture).cameras), ["cam_01", "cam_02"]);
  for (const file of ["stopline.yaml", "scenes.yaml"]) {
    const text = await Deno.readTextFile(new URL(`../../config/${file}`, SCHEMAS_DIR));
    assert.equal(check("config", parseYaml(text)), null, `config/${file}`);
  }
});

Deno.test("the relay's Phoenix codec reads the client fixtures and writes server frames that validate", async () => {
  const check = await _validators();
  for (
    const { file, value } of (await _fixtures()).filter((f) =>
      f.file.startsWith("relay_phoenix_client.")
    )
  ) {
    const msg = decodeText("1.0.0", JSON.stringify(value));
    assert.equal(msg.event, (value as { event: string }).event, file);
  }
  const tick = await Deno.readTextFile(new URL("tick.typical.json", FIXTURES_DIR));
  const topic = "realtime:camera:cam_01";
  const frames = [
    encodeBroadcast("1.0.0", "1", topic, "tick", tick),
    encodeReply("1.0.0", { joinRef: "1", ref: "2", topic }, "ok"),
    encodeReply("1.0.0", { joinRef: "1", ref: "2", topic }, "error", { reason: "unmatched topic" }),
  ];
  for (const f of frames) assert.equal(check("relay_phoenix_server", JSON.parse(f)), null, f);
});

/**
 * Write the wire contracts as JSON Schema (draft 2020-12), generated from the zod schemas the code
 * validates with, so the published files cannot drift from the code:
 *
 *   deno task schemas     # writes docs/schemas/*.schema.json
 *
 * schemas_test.ts fails when a committed file differs from what this generates, and checks every
 * fixture in docs/schemas/fixtures/ (`<contract>.<case>.json`) against both schemas.
 */
import { z } from "zod";
import { TickSchema } from "../shared/tick.ts";
import { PassEventSchema, TrackEventSchema } from "../shared/events.ts";
import { StatusSchema } from "../shared/status.ts";
import { ConfigSchema } from "../shared/config.ts";
import { RelayMessageSchema } from "../shared/relay_messages.ts";
import {
  PhoenixClientFrameSchema,
  PhoenixServerFrameSchema,
} from "../functions/relay/realtime/frames.ts";

export const SCHEMAS_DIR = new URL("../docs/schemas/", import.meta.url);

export interface Contract {
  /** File stem: docs/schemas/<name>.schema.json, fixtures <name>.<case>.json. */
  name: string;
  title: string;
  description: string;
  schema: z.ZodType;
}

export const CONTRACTS: readonly Contract[] = [
  {
    name: "tick",
    title: "tick",
    description: "Overlay tick: the latest boxes of one camera (analyzer -> relay -> browser); " +
      "bbox is [x1, y1, x2, y2] normalized to the source frame.",
    schema: TickSchema,
  },
  {
    name: "track_event",
    title: "track_event",
    description: "Track lifecycle event (new, update, end) with the track before and after.",
    schema: TrackEventSchema,
  },
  {
    name: "pass",
    title: "pass",
    description: "A judged pass through the stop zone (times in unix ms).",
    schema: PassEventSchema,
  },
  {
    name: "status",
    title: "status",
    description: "Analyzer online/offline (tick relay) or video offline (video relay).",
    schema: StatusSchema,
  },
  {
    name: "config",
    title: "stopline config file",
    description: "The settings file (YAML, config/stopline.yaml); geometry normalized to the " +
      "source frame; omitted settings take their defaults.",
    schema: ConfigSchema,
  },
  {
    name: "relay_message",
    title: "relay message",
    description: "What the tick relay sends a client: one per /ws text frame, or the payload " +
      "of a Phoenix broadcast.",
    schema: RelayMessageSchema,
  },
  {
    name: "relay_phoenix_client",
    title: "relay Phoenix client frame",
    description: "What a client sends the relay's realtime endpoint (vsn 1.0.0 object form; " +
      "vsn 2.0.0 sends [join_ref, ref, topic, event, payload]).",
    schema: PhoenixClientFrameSchema,
  },
  {
    name: "relay_phoenix_server",
    title: "relay Phoenix server frame",
    description: "What the relay's realtime endpoint sends (vsn 1.0.0 object form; vsn 2.0.0 " +
      "sends [join_ref, ref, topic, event, payload]).",
    schema: PhoenixServerFrameSchema,
  },
];

/**
 * zod marks some string checks with a `format` of its own (`starts_with` for `.startsWith()`)
 * beside the `pattern` that states the same rule; JSON Schema validators do not know those
 * names (ajv in strict mode refuses them), so they are left out.
 */
const ZOD_ONLY_FORMATS = new Set(["starts_with", "ends_with", "includes"]);

/** The JSON Schema of one contract, as the file's text. */
export function schemaText(c: Contract): string {
  // "input": what the parser accepts (settings with defaults may be left out of the file).
  const json = z.toJSONSchema(c.schema, {
    io: "input",
    unrepresentable: "throw",
    override: (ctx) => {
      const format = ctx.jsonSchema.format;
      if (format && ZOD_ONLY_FORMATS.has(format)) delete ctx.jsonSchema.format;
    },
  });
  const doc = {
    $schema: json.$schema,
    title: c.title,
    description: c.description,
    ...json,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/** Write every contract's schema file; returns the paths written. */
export async function writeSchemas(dir: URL = SCHEMAS_DIR): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const c of CONTRACTS) {
    const url = new URL(`${c.name}.schema.json`, dir);
    await Deno.writeTextFile(url, schemaText(c));
    written.push(url.pathname);
  }
  return written;
}

if (import.meta.main) {
  for (const path of await writeSchemas()) console.log(path);
}

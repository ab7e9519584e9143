/**
 * The Phoenix frames the relay's realtime endpoint (`/realtime/v1/websocket`) reads and writes,
 * as zod schemas, for the published contract (docs/schemas/relay_phoenix_*.schema.json). Shown
 * in the vsn 1.0.0 object form; vsn 2.0.0 sends the same five fields as an array
 * `[join_ref, ref, topic, event, payload]` (codec.ts reads and writes both).
 */
import { z } from "zod";
import { RELAY_EVENTS, RelayMessageSchema } from "../../../shared/relay_messages.ts";

const ref = z.string().max(255).nullable();
/** A camera's channel: `camera:<id>`, with realtime-js's `realtime:` prefix or without. */
const cameraTopic = z.string().regex(/^(?:realtime:)?camera:[A-Za-z0-9_-]{1,64}$/);

const frame = <E extends string, T extends z.ZodType, P extends z.ZodType>(
  topic: T,
  event: E,
  payload: P,
) => z.object({ join_ref: ref, ref, topic, event: z.literal(event), payload });

/** What a client sends: join or leave a camera's channel, refresh its token, heartbeat. */
export const PhoenixClientFrameSchema = z.discriminatedUnion("event", [
  frame(
    cameraTopic,
    "phx_join",
    z.object({
      /** realtime-js's channel config; `postgres_changes` is refused, the rest ignored. */
      config: z.record(z.string(), z.unknown()).optional(),
      /** A JWT with at least the viewer role (else the socket's `apikey` token is used). */
      access_token: z.string().optional(),
    }),
  ),
  frame(cameraTopic, "phx_leave", z.object({})),
  frame(cameraTopic, "access_token", z.object({ access_token: z.string() })),
  frame(z.literal("phoenix"), "heartbeat", z.object({})),
]);

/** What the relay sends: replies, the camera's messages as broadcasts, channel errors, closes. */
export const PhoenixServerFrameSchema = z.discriminatedUnion("event", [
  frame(
    z.string(),
    "phx_reply",
    z.object({
      status: z.enum(["ok", "error"]),
      response: z.object({ reason: z.string().optional() }),
    }),
  ),
  frame(
    cameraTopic,
    "broadcast",
    z.object({
      type: z.literal("broadcast"),
      event: z.enum(RELAY_EVENTS),
      payload: RelayMessageSchema,
    }),
  ),
  frame(
    cameraTopic,
    "system",
    z.object({
      status: z.literal("error"),
      extension: z.literal("system"),
      message: z.string(),
      channel: z.string(),
    }),
  ),
  frame(cameraTopic, "phx_close", z.object({})),
]);

export type PhoenixClientFrame = z.infer<typeof PhoenixClientFrameSchema>;
export type PhoenixServerFrame = z.infer<typeof PhoenixServerFrameSchema>;

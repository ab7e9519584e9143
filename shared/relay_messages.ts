/**
 * What the tick relay sends a client about one camera (ARCHITECTURE §4): on `/ws` each message is
 * one text frame as is; over the Phoenix endpoint it is the `payload` of a `broadcast` whose
 * `event` is the message's `type`. Clients send the relay nothing it reads on `/ws` (pings only).
 */
import { z } from "zod";
import { TickSchema } from "./tick.ts";
import { PassEventSchema, TrackEventSchema } from "./events.ts";
import { AnalyzerStatusSchema } from "./status.ts";

export const RelayMessageSchema = z.discriminatedUnion("type", [
  TickSchema,
  TrackEventSchema,
  PassEventSchema,
  AnalyzerStatusSchema,
]);

export type RelayMessage = z.infer<typeof RelayMessageSchema>;

/** The broadcast event names: one per relay message type. */
export const RELAY_EVENTS = ["tick", "track_event", "pass", "status"] as const;

/**
 * What the MQTT bridge has not delivered yet. Two kinds of message, two policies:
 * - events (passes, track events): delivered in order, never coalesced; bounded, so a long broker
 *   outage evicts the oldest (counted in `dropped`) instead of growing memory;
 * - state (retained status, stats, discovery): only the newest message per topic matters, so a
 *   newer one replaces an unsent older one (not counted: nothing is lost).
 * State goes out before events: after a reconnect the retained picture is right first.
 */

export interface OutMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/** Events queued beyond this are evicted oldest first (about an hour of a busy crossing). */
export const MAX_QUEUED_MQTT_EVENTS = 10_000;

export class MqttOutbox {
  readonly #events: OutMessage[] = [];
  readonly #state = new Map<string, OutMessage>();
  readonly #maxEvents: number;
  /** Events evicted from a full queue. */
  dropped = 0;

  constructor(maxEvents = MAX_QUEUED_MQTT_EVENTS) {
    if (!(maxEvents >= 1)) throw new Error(`maxEvents must be >= 1, not ${maxEvents}`);
    this.#maxEvents = maxEvents;
  }

  get size(): number {
    return this.#events.length + this.#state.size;
  }

  addEvent(m: OutMessage): void {
    this.#events.push(m);
    const over = this.#events.length - this.#maxEvents;
    if (over > 0) {
      this.#events.splice(0, over);
      this.dropped += over;
    }
  }

  /** Latest-state: replaces an unsent message to the same topic. */
  setState(m: OutMessage): void {
    this.#state.delete(m.topic); // re-insert so state keeps the order it was last set in
    this.#state.set(m.topic, m);
  }

  /** The next message to send (state first), without removing it; null when empty. */
  peek(): OutMessage | null {
    for (const m of this.#state.values()) return m;
    return this.#events[0] ?? null;
  }

  /**
   * Remove a message once delivered. A state message is removed only if no newer one for its
   * topic arrived while it was in flight (that newer one still has to go).
   */
  delivered(m: OutMessage): void {
    if (this.#state.get(m.topic) === m) {
      this.#state.delete(m.topic);
      return;
    }
    if (this.#events[0] === m) this.#events.shift();
  }
}

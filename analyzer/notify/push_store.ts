/**
 * The push subscriptions the analyzer sends to (table push_subscriptions, written by the
 * functions' `POST /api/push/subscriptions`). Read at most every `cacheMs`, so a burst of passes
 * asks Postgres once.
 */
import type pg from "../../shared/db/pg.ts";
import type { PushStore, PushSubscriptionRow } from "./push_sender.ts";

type _Query = InstanceType<typeof pg.Pool>["query"];

export class PgPushStore implements PushStore {
  #cache: { at: number; rows: PushSubscriptionRow[] } | null = null;

  constructor(readonly pool: { query: _Query }, readonly cacheMs = 30_000) {}

  async list(): Promise<PushSubscriptionRow[]> {
    if (this.#cache && Date.now() - this.#cache.at < this.cacheMs) return this.#cache.rows;
    const r = await this.pool.query<PushSubscriptionRow>(
      "select endpoint, p256dh, auth, cameras from push_subscriptions order by created_at",
    );
    this.#cache = { at: Date.now(), rows: r.rows };
    return r.rows;
  }

  async remove(endpoint: string): Promise<void> {
    await this.pool.query("delete from push_subscriptions where endpoint = $1", [endpoint]);
    if (this.#cache) {
      this.#cache.rows = this.#cache.rows.filter((s) => s.endpoint !== endpoint);
    }
  }
}

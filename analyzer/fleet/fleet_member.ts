/**
 * This analyzer as a member of a fleet (issue #16 §3, ANALYZER_FLEET=1): every 2 s it renews its
 * leases, claims free ones up to its fair share, and hands cameras over at a clean point when a
 * newer member needs its share (pipeline stopped, passes flushed, then the lease released). When
 * it cannot renew for 2/3 of the expiry (database unreachable, process paused), it stops judging
 * every camera before another analyzer can claim them; what it still writes carries the old
 * epoch and is refused by the database.
 */
import pg from "../../shared/db/pg.ts";
import { metricLines } from "../../shared/metrics.ts";
import {
  claimLeases,
  fairShare,
  fleetState,
  type Lease,
  LEASE_HEARTBEAT_MS,
  LEASE_STOP_JUDGING_MS,
  leaveFleet,
  nextForeignExpiryMs,
  type Query,
  registerMember,
  releaseLease,
  renewLeases,
} from "./leases.ts";

/**
 * Cameras one analyzer takes by default: a 2-core box analyzes about 2.6 cameras at 15 fps
 * (docs/PERFORMANCE.md, issue #16), so 2; ANALYZER_MAX_CAMERAS overrides it until the
 * cameras-per-box benchmark (§2) gives the gated figure.
 */
export const DEFAULT_MAX_CAMERAS = 2;

/** A released camera is not re-claimed by the same member for this long (the taker goes first). */
const RECLAIM_COOLDOWN_MS = 3 * LEASE_HEARTBEAT_MS;

/** The epoch of a camera that is not held: no lease has it, so every such write is refused. */
export const NO_EPOCH = -1;

export interface FleetMemberOptions {
  databaseUrl: string;
  holder: string;
  maxCameras: number;
  healthUrl: string | null;
  /** Cameras this analyzer can run (its config). */
  configured: () => string[];
  /** Run exactly these cameras; resolves when the others' pipelines have stopped. */
  setHeld: (cameras: ReadonlySet<string>) => Promise<void>;
  /** Write out everything judged so far (passes, samples, events). */
  flush: () => Promise<unknown>;
  log: (m: string) => void;
  heartbeatMs?: number;
}

export class FleetMemberLoop {
  readonly #opts: FleetMemberOptions;
  readonly #epochs = new Map<string, number>();
  readonly #releasedAt = new Map<string, number>();
  #client: InstanceType<typeof pg.Client> | null = null;
  #lastRenewedAt = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #guard: ReturnType<typeof setInterval> | undefined;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;
  /**
   * With room for a camera: ms until another holder's lease expires (the next round comes then,
   * if sooner than the heartbeat). Its holder's share is only known to be free once it expires:
   * a dead member counts in the fair share until then, so this does not wait for a free share.
   */
  #claimableInMs: number | null = null;
  /** Leases handed back or lost, and claimed (for /metrics). */
  claims = 0;
  handovers = 0;
  losses = 0;
  lastError = "";

  constructor(opts: FleetMemberOptions) {
    this.#opts = opts;
  }

  get holder(): string {
    return this.#opts.holder;
  }

  /** The cameras held now with their epochs. */
  get leases(): Lease[] {
    return [...this.#epochs].map(([camera, epoch]) => ({ camera, epoch }))
      .sort((a, b) => a.camera.localeCompare(b.camera));
  }

  /** The epoch a camera's writes carry now (NO_EPOCH when not held: refused). */
  epochOf(camera: string): number {
    return this.#epochs.get(camera) ?? NO_EPOCH;
  }

  start(): void {
    const every = this.#opts.heartbeatMs ?? LEASE_HEARTBEAT_MS;
    const loop = () => {
      this.#round = this.#round.then(() => this.#heartbeat()).finally(() => {
        // 20 ms past the expiry: the claim's `expires_at <= now()` holds by then.
        const wait = this.#claimableInMs === null
          ? every
          : Math.min(every, this.#claimableInMs + 20);
        if (!this.#stopped) this.#timer = setTimeout(loop, wait);
      });
    };
    loop();
    // Separate from the heartbeat, which may hang on a dead connection.
    this.#guard = setInterval(() => {
      if (this.#epochs.size && performance.now() - this.#lastRenewedAt > LEASE_STOP_JUDGING_MS) {
        this.#opts.log(
          `fleet: leases not renewed for ${LEASE_STOP_JUDGING_MS} ms; stopping ${
            [...this.#epochs.keys()].join(", ")
          }`,
        );
        this.losses += this.#epochs.size;
        this.#epochs.clear();
        this.#opts.setHeld(new Set());
      }
    }, 250);
  }

  /** Prometheus lines: leases held (with their epoch), claims, hand-overs, losses, refused rows. */
  metrics(rowsRefused: number): string {
    return metricLines(
      "stopline_fleet_lease_epoch",
      "gauge",
      "Epoch of each camera lease this analyzer holds.",
      this.leases.map((l) => ({ labels: { camera: l.camera }, value: l.epoch })),
    ) +
      metricLines("stopline_fleet_claims_total", "counter", "Leases claimed.", [
        { value: this.claims },
      ]) +
      metricLines("stopline_fleet_handovers_total", "counter", "Leases handed over.", [
        { value: this.handovers },
      ]) +
      metricLines("stopline_fleet_losses_total", "counter", "Leases lost (expired).", [
        { value: this.losses },
      ]) +
      metricLines(
        "stopline_fleet_rows_refused_total",
        "counter",
        "Rows the database refused for a stale lease epoch (dropped).",
        [{ value: rowsRefused }],
      );
  }

  /** SIGTERM: stop the cameras, flush, release every lease and leave the fleet. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#guard);
    await this.#round;
    const held = this.leases;
    await this.#opts.setHeld(new Set());
    await this.#opts.flush();
    try {
      const q = await this.#query();
      for (const lease of held) await releaseLease(q, this.holder, lease);
      await leaveFleet(q, this.holder);
    } catch (e) {
      this.#opts.log(`fleet: leases not released (they expire): ${(e as Error).message}`);
    }
    this.#epochs.clear();
    await this.#client?.end().catch(() => {});
  }

  async #query(): Promise<Query> {
    if (!this.#client) {
      const c = new pg.Client({
        connectionString: this.#opts.databaseUrl,
        connectionTimeoutMillis: 1500,
        query_timeout: 1500,
      });
      c.on("error", () => {});
      try {
        await c.connect();
      } catch (e) {
        await c.end().catch(() => {});
        throw e;
      }
      this.#client = c;
    }
    const c = this.#client;
    return (sql, params) => c.query(sql, params);
  }

  async #heartbeat(): Promise<void> {
    const sentAt = performance.now();
    try {
      const q = await this.#query();
      const configured = this.#opts.configured();
      await registerMember(q, {
        holder: this.holder,
        maxCameras: this.#opts.maxCameras,
        healthUrl: this.#opts.healthUrl,
        cameras: configured,
      });
      const renewed = await renewLeases(q, this.holder, [...this.#epochs.keys()]);
      // Renewed at the time the request was sent, at the latest (the conservative side).
      this.#lastRenewedAt = sentAt;
      const kept = new Map(renewed.map((l) => [l.camera, l.epoch]));
      for (const camera of this.#epochs.keys()) {
        if (kept.get(camera) !== this.#epochs.get(camera)) {
          this.#opts.log(`fleet: lease on ${camera} lost (expired or taken over)`);
          this.losses++;
        }
      }
      this.#epochs.clear();
      for (const [camera, epoch] of kept) this.#epochs.set(camera, epoch);

      // Cameras removed from the config are handed back.
      const handOver = [...this.#epochs.keys()].filter((c) => !configured.includes(c));
      const { target, handOver: extra } = fairShare(
        this.holder,
        this.#opts.maxCameras,
        await fleetState(q),
      );
      const mine = [...this.#epochs.keys()].filter((c) => !handOver.includes(c)).reverse();
      handOver.push(...mine.slice(0, Math.max(extra, mine.length - target)));
      if (handOver.length) await this.#handOver(q, handOver);

      const now = performance.now();
      const cooling = [...this.#releasedAt].filter(([, t]) => now - t < RECLAIM_COOLDOWN_MS)
        .map(([c]) => c);
      const claimed = await claimLeases(
        q,
        this.holder,
        configured,
        target - this.#epochs.size,
        cooling,
      );
      for (const l of claimed) {
        this.#epochs.set(l.camera, l.epoch);
        this.claims++;
        this.#opts.log(`fleet: claimed ${l.camera} (epoch ${l.epoch})`);
      }
      await this.#opts.setHeld(new Set(this.#epochs.keys()));
      this.#claimableInMs = this.#epochs.size < this.#opts.maxCameras
        ? await nextForeignExpiryMs(q, this.holder, configured)
        : null;
      this.lastError = "";
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.#opts.log(`fleet: heartbeat failed: ${msg}`);
      this.lastError = msg;
      this.#claimableInMs = null;
      await this.#client?.end().catch(() => {});
      this.#client = null;
    }
  }

  /** Hand cameras over at a clean point: stop them, flush their passes, release the leases. */
  async #handOver(q: Query, cameras: string[]): Promise<void> {
    const leases = cameras.map((camera) => ({ camera, epoch: this.#epochs.get(camera)! }));
    const keep = new Set([...this.#epochs.keys()].filter((c) => !cameras.includes(c)));
    // The epochs stay until the flush, so the last passes are written under the lease.
    await this.#opts.setHeld(keep);
    await this.#opts.flush();
    for (const lease of leases) {
      this.#epochs.delete(lease.camera);
      this.#releasedAt.set(lease.camera, performance.now());
      if (await releaseLease(q, this.holder, lease)) {
        this.handovers++;
        this.#opts.log(`fleet: handed ${lease.camera} over (epoch ${lease.epoch})`);
      }
    }
  }
}

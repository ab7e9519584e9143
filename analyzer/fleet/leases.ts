/**
 * Camera leases in Postgres (issue #16 §3; schema: supabase/migrations/*_camera_leases.sql).
 * Every statement is one round trip and decides on the database's clock (now()), so the
 * analyzers' clocks never matter. A claim takes only expired or released leases, with a single
 * `UPDATE ... WHERE expires_at <= now() RETURNING`, and increments the camera's epoch: the epoch
 * fences the writes of whoever held the camera before.
 */

/** A parameterized query, e.g. `(sql, params) => client.query(sql, params)`. */
export type Query = (
  sql: string,
  params?: unknown[],
) => Promise<{ rows: Record<string, unknown>[] }>;

/** Renewal interval of an analyzer's leases. */
export const LEASE_HEARTBEAT_MS = 2_000;
/** A lease not renewed for this long expires and may be claimed by another analyzer. */
export const LEASE_EXPIRY_MS = 10_000;
/**
 * An analyzer that could not renew its leases for this long stops judging their cameras: 2/3 of
 * the expiry, so it has stopped well before another analyzer can claim them.
 */
export const LEASE_STOP_JUDGING_MS = Math.round(LEASE_EXPIRY_MS * 2 / 3);
/**
 * A member whose heartbeat session is gone from the database (its process died) and that has not
 * heartbeated for this long is gone: its leases are claimable before they expire. Three
 * heartbeats, because a live member whose query timed out (1.5 s; CI 2026-12-01 on a loaded 2-core
 * box: "heartbeat failed: Query read timeout") closes its connection and registers a new one on its
 * next round: 5.5 s after its last heartbeat, 7 s if connecting takes its whole 1.5 s too. In that
 * last second it can be taken over early; the fence refuses its writes from then on, and it stops
 * its cameras on its next round (lease lost) or by its guard (6.7 s).
 */
export const MEMBER_GONE_MS = 3 * LEASE_HEARTBEAT_MS;

/**
 * SQL: the member `f` (an analyzer_fleet row) is gone: its recorded backend no longer exists
 * (pg_stat_activity; a backend_start hidden from another database role counts as the same
 * session) and it has not heartbeated for MEMBER_GONE_MS (the parameter `gone`).
 */
const _memberGone = (f: string, gone: string) =>
  `(${f}.backend_pid is not null
    and ${f}.seen_at < now() - make_interval(secs => ${gone}::float8 / 1000)
    and not exists (select 1 from pg_stat_activity a where a.pid = ${f}.backend_pid
      and (a.backend_start is null or a.backend_start = ${f}.backend_start)))`;

/** One held lease: the camera and the epoch its writes carry. */
export interface Lease {
  camera: string;
  epoch: number;
}

/** A fleet member as the database sees it. */
export interface FleetMember {
  holder: string;
  max_cameras: number;
  health_url: string | null;
  /** Cameras it holds now, with their epochs. */
  cameras: Lease[];
}

const _leases = (rows: Record<string, unknown>[]): Lease[] =>
  rows.map((r) => ({ camera: String(r.camera), epoch: Number(r.epoch) }))
    .sort((a, b) => a.camera.localeCompare(b.camera));

/**
 * Announce (or refresh) this analyzer in the fleet and make its cameras claimable. `q` must be
 * the connection the member heartbeats on: its backend is recorded, and once that backend is gone
 * and no heartbeat came for MEMBER_GONE_MS, the member's leases are claimable.
 */
export async function registerMember(
  q: Query,
  member: { holder: string; maxCameras: number; healthUrl: string | null; cameras: string[] },
): Promise<void> {
  await q(
    `insert into analyzer_fleet (holder, max_cameras, health_url, backend_pid, backend_start)
     values ($1, $2, $3, pg_backend_pid(),
       (select backend_start from pg_stat_activity where pid = pg_backend_pid()))
     on conflict (holder) do update set max_cameras = excluded.max_cameras,
       health_url = excluded.health_url, seen_at = now(),
       backend_pid = excluded.backend_pid, backend_start = excluded.backend_start`,
    [member.holder, member.maxCameras, member.healthUrl],
  );
  // Members gone for an hour (crashed, their ids random) leave the table.
  await q(`delete from analyzer_fleet where seen_at < now() - interval '1 hour'`);
  if (member.cameras.length) {
    await q(
      `insert into camera_leases (camera) select unnest($1::text[]) on conflict do nothing`,
      [member.cameras],
    );
  }
}

/**
 * Extend this holder's unexpired leases on `cameras` by the expiry; returns those still held.
 * An expired lease is not revived even if nobody took it: it must be claimed again (a new
 * epoch), so rows stamped before the expiry stay refused.
 */
export async function renewLeases(q: Query, holder: string, cameras: string[]): Promise<Lease[]> {
  const { rows } = await q(
    `update camera_leases set expires_at = now() + make_interval(secs => $3::float8 / 1000)
     where holder = $1 and camera = any($2::text[]) and expires_at > now()
     returning camera, epoch`,
    [holder, cameras, LEASE_EXPIRY_MS],
  );
  return _leases(rows);
}

/**
 * Claim up to `limit` expired or released leases among `cameras` (not `exclude`), or leases of a
 * member that is gone (its session ended and no heartbeat for MEMBER_GONE_MS).
 */
export async function claimLeases(
  q: Query,
  holder: string,
  cameras: string[],
  limit: number,
  exclude: string[] = [],
): Promise<Lease[]> {
  if (limit <= 0 || cameras.length === 0) return [];
  // Expired, or its holder gone; checked again on the locked row (a concurrent claim may have
  // taken it since the select).
  const claimable = (l: string) =>
    `(${l}.expires_at <= now() or ${l}.holder in (
      select f.holder from analyzer_fleet f where ${_memberGone("f", "$6")}))`;
  const { rows } = await q(
    `update camera_leases l set holder = $1, epoch = l.epoch + 1, claimed_at = now(),
       expires_at = now() + make_interval(secs => $4::float8 / 1000)
     where l.camera in (
       select camera from camera_leases c
       where camera = any($2::text[]) and not camera = any($5::text[]) and ${claimable("c")}
       order by camera limit $3 for update skip locked)
       and ${claimable("l")}
     returning l.camera, l.epoch`,
    [holder, cameras, limit, LEASE_EXPIRY_MS, exclude, MEMBER_GONE_MS],
  );
  return _leases(rows);
}

/**
 * Milliseconds (on the database's clock) until the first lease among `cameras` held by another
 * holder expires, or null when none is held by another. A member with room claims at that moment
 * instead of at its next heartbeat: a dead analyzer's cameras are dark for the expiry, not the
 * expiry plus up to a heartbeat (CI 2026-11-30: a SIGKILL failover read 15.5 s on a loaded 2-core
 * box against the 15 s bound, of which up to 2 s was waiting for the next heartbeat).
 */
export async function nextForeignExpiryMs(
  q: Query,
  holder: string,
  cameras: string[],
): Promise<number | null> {
  if (cameras.length === 0) return null;
  const { rows } = await q(
    `select extract(epoch from min(expires_at) - now()) * 1000 as ms from camera_leases
     where camera = any($2::text[]) and holder is distinct from $1 and expires_at > now()`,
    [holder, cameras],
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

/** Hand a lease back (after the camera's passes are flushed): claimable at once. */
export async function releaseLease(q: Query, holder: string, lease: Lease): Promise<boolean> {
  const { rows } = await q(
    `update camera_leases set holder = null, expires_at = '-infinity'
     where camera = $1 and holder = $2 and epoch = $3 returning camera`,
    [lease.camera, holder, lease.epoch],
  );
  return rows.length === 1;
}

/** Leave the fleet (SIGTERM), after every lease was released. */
export async function leaveFleet(q: Query, holder: string): Promise<void> {
  await q(`delete from analyzer_fleet where holder = $1`, [holder]);
}

/**
 * The live fleet: members seen within the lease expiry and not gone (MEMBER_GONE_MS), each with
 * its unexpired leases, and the number of claimable cameras (every lease row).
 */
export async function fleetState(q: Query): Promise<{ members: FleetMember[]; cameras: number }> {
  const { rows } = await q(
    `select f.holder, f.max_cameras, f.health_url,
       coalesce((select jsonb_agg(jsonb_build_object('camera', l.camera, 'epoch', l.epoch))
         from camera_leases l where l.holder = f.holder and l.expires_at > now()), '[]') as cameras,
       (select count(*) from camera_leases)::int as total
     from analyzer_fleet f
     where f.seen_at > now() - make_interval(secs => $1::float8 / 1000)
       and not ${_memberGone("f", "$2")}
     order by f.holder`,
    [LEASE_EXPIRY_MS, MEMBER_GONE_MS],
  );
  const members = rows.map((r) => ({
    holder: String(r.holder),
    max_cameras: Number(r.max_cameras),
    health_url: r.health_url === null ? null : String(r.health_url),
    cameras: _leases(r.cameras as Record<string, unknown>[]),
  }));
  const cameras = rows.length
    ? Number(rows[0].total)
    : Number((await q(`select count(*)::int as n from camera_leases`)).rows[0].n);
  return { members, cameras };
}

/**
 * How many cameras `holder` should hold and whether it should hand one over, given the live
 * fleet: a fair share is ceil(cameras / members), capped by its capacity; when a member holds
 * fewer than floor(cameras / members), the member holding the most (ties:
 * the first holder id) hands one over, one per heartbeat, until the shares are level.
 */
export function fairShare(
  holder: string,
  maxCameras: number,
  state: { members: FleetMember[]; cameras: number },
): { target: number; handOver: number } {
  const n = Math.max(
    1,
    state.members.length + (state.members.some((m) => m.holder === holder) ? 0 : 1),
  );
  const share = Math.min(maxCameras, Math.ceil(state.cameras / n));
  const floor = Math.min(maxCameras, Math.floor(state.cameras / n));
  const mine = state.members.find((m) => m.holder === holder)?.cameras.length ?? 0;
  if (mine > share) return { target: share, handOver: mine - share };
  const starved = state.members.some((m) =>
    m.holder !== holder && m.cameras.length < Math.min(m.max_cameras, floor)
  );
  if (starved && mine > floor) {
    const richest = [...state.members].sort((a, b) =>
      b.cameras.length - a.cameras.length || a.holder.localeCompare(b.holder)
    )[0];
    if (richest.holder === holder) {
      return { target: mine - 1, handOver: 1 };
    }
  }
  return { target: share, handOver: 0 };
}

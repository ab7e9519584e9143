-- A fleet member's database session (issue #16 §3, failover). Each analyzer records the backend
-- of the connection it heartbeats on. When that backend is gone (the process died and the kernel
-- closed its socket: a crash, an OOM kill, a pod deleted) and the member has not heartbeated for
-- 6 s (analyzer/fleet/leases.ts MEMBER_GONE_MS), its leases are claimable before they expire: a
-- crash costs 4-8 s of claim delay instead of the 8-10 s left on its leases. A paused or partitioned process keeps its backend, so
-- only the expiry frees its leases; either way a claim increments the epoch (fencing).
alter table analyzer_fleet add column if not exists backend_pid integer;
alter table analyzer_fleet add column if not exists backend_start timestamptz;

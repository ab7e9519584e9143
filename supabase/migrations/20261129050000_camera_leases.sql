-- stopline schema: a fleet of analyzers (issue #16 §3). Postgres is the coordination engine:
-- each analyzer started in fleet mode (ANALYZER_FLEET=1) claims cameras with a lease here,
-- renews its leases every 2 s and loses them 10 s after its last renewal; a claim increments
-- the camera's epoch, and every pass, sample and event an analyzer writes carries the epoch it
-- holds, so the database refuses the writes of an analyzer whose lease has expired or was taken
-- over (fencing): a paused-then-resumed process cannot write duplicates.

-- One row per claimable camera. `holder` is an analyzer's fleet id (null: free). A lease is
-- valid while expires_at > now() (the database's clock: analyzers' clocks do not matter).
create table if not exists camera_leases (
  camera      text primary key check (camera ~ '^[A-Za-z0-9_-]{1,64}$'),
  holder      text check (holder is null or length(holder) between 1 and 200),
  epoch       bigint not null default 0,
  expires_at  timestamptz not null default '-infinity',
  claimed_at  timestamptz
);
create index if not exists camera_leases_holder on camera_leases (holder);

-- The analyzers of the fleet (their heartbeat), for the fair share and the stats page. A member
-- is live while seen_at is within the lease expiry.
create table if not exists analyzer_fleet (
  holder       text primary key check (length(holder) between 1 and 200),
  max_cameras  integer not null check (max_cameras >= 0),
  health_url   text check (health_url is null or length(health_url) <= 500),
  started_at   timestamptz not null default now(),
  seen_at      timestamptz not null default now()
);

-- Provisioned cameras are claimable (config-file cameras are added by the analyzers themselves).
insert into camera_leases (camera) select id from cameras on conflict do nothing;
create or replace function stopline_camera_lease_row() returns trigger language plpgsql as $$
begin
  insert into camera_leases (camera) values (new.id) on conflict do nothing;
  return new;
end $$;
drop trigger if exists cameras_lease_row on cameras;
create trigger cameras_lease_row after insert on cameras
  for each row execute function stopline_camera_lease_row();

-- Fencing. A write that carries an epoch is accepted only while that epoch is the camera's
-- current, unexpired lease; a write without one (an analyzer not in fleet mode) is accepted.
alter table vehicle_passes add column if not exists lease_epoch bigint;
alter table car_state_history add column if not exists lease_epoch bigint;
alter table track_events add column if not exists lease_epoch bigint;

create or replace function stopline_lease_valid(p_camera text, p_epoch bigint) returns boolean
language sql stable as $$
  select p_epoch is null or exists (
    select 1 from camera_leases
    where camera = p_camera and epoch = p_epoch and expires_at > now())
$$;

-- The database's own guard (the analyzer also filters and counts refused rows in its INSERT):
-- a stale row is dropped silently, whoever writes it.
create or replace function stopline_fence() returns trigger language plpgsql as $$
begin
  if not stopline_lease_valid(new.camera, new.lease_epoch) then
    return null;
  end if;
  return new;
end $$;
drop trigger if exists vehicle_passes_fence on vehicle_passes;
create trigger vehicle_passes_fence before insert on vehicle_passes
  for each row execute function stopline_fence();
drop trigger if exists car_state_history_fence on car_state_history;
create trigger car_state_history_fence before insert on car_state_history
  for each row execute function stopline_fence();
drop trigger if exists track_events_fence on track_events;
create trigger track_events_fence before insert on track_events
  for each row execute function stopline_fence();

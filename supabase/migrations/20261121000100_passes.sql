-- stopline schema, part 2: what the stop judge produces.
-- Writes are idempotent: pass ids are deterministic, samples and events have natural keys, so a
-- spool replayed after a database outage inserts nothing twice.

create table if not exists vehicle_passes (
  id               text primary key,
  camera           text not null check (camera ~ '^[A-Za-z0-9_-]{1,64}$'),
  track_id         integer not null,
  label            text not null,
  verdict          text not null check (verdict in ('full_stop', 'rolling_stop', 'no_stop')),
  entered_at       timestamptz not null,
  exited_at        timestamptz not null,
  time_in_zone_s   real not null check (time_in_zone_s >= 0),
  stop_duration_s  real not null check (stop_duration_s >= 0),
  min_speed        real not null,
  entry_speed      real not null,
  image            text check (image is null or image like 'minio://%'),
  quality          jsonb not null default '{}'::jsonb,
  samples          jsonb not null default '[]'::jsonb,
  created_at       timestamptz not null default now()
);
create index if not exists vehicle_passes_camera_exited on vehicle_passes (camera, exited_at desc, id desc);
create index if not exists vehicle_passes_exited on vehicle_passes (exited_at desc, id desc);
create index if not exists vehicle_passes_verdict on vehicle_passes (verdict, exited_at desc);

-- Downsampled per-track state (a few samples per second per track), for plots and audits.
create table if not exists car_state_history (
  camera    text not null,
  track_id  integer not null,
  ts        timestamptz not null,
  cx        real not null,
  cy        real not null,
  speed     real not null,
  phase     text,
  bbox      real[] not null,
  primary key (camera, track_id, ts)
);
create index if not exists car_state_history_camera_ts on car_state_history (camera, ts desc);

-- Frigate-style lifecycle events of confirmed tracks.
create table if not exists track_events (
  id        bigserial primary key,
  camera    text not null,
  track_id  integer not null,
  event     text not null check (event in ('new', 'update', 'end')),
  ts        timestamptz not null,
  before    jsonb,
  after     jsonb,
  unique (camera, track_id, event, ts)
);
create index if not exists track_events_camera_ts on track_events (camera, ts desc);

-- stopline schema, part 1: the live status each analyzer reports per camera.
-- Applied by shared/db/migrate.ts to any Postgres (embedded, compose, Supabase).

create table if not exists camera_status (
  camera       text primary key check (camera ~ '^[A-Za-z0-9_-]{1,64}$'),
  updated_at   timestamptz not null default now(),
  fps          real not null default 0,
  infer_ms     real not null default 0,
  lag_ms       real not null default 0,
  dropped      bigint not null default 0,
  frames       bigint not null default 0,
  frame_w      integer,
  frame_h      integer
);

-- stopline schema, part 7: review, audit and keep (issue #13 §3, §5).
--
-- Road speeds in m/s: added here too (`if not exists`) so the exports can name them whichever
-- branch lands first; the "accuracy" migration adds the same columns with the same checks.
alter table vehicle_passes add column if not exists entry_speed_mps real
  check (entry_speed_mps is null or entry_speed_mps >= 0);
alter table vehicle_passes add column if not exists min_speed_mps real
  check (min_speed_mps is null or min_speed_mps >= 0);
alter table vehicle_passes add column if not exists max_speed_mps real
  check (max_speed_mps is null or max_speed_mps >= 0);

-- The pass's clip (issue #13 §1, the "clips" migration 20261129010000 adds the same columns and
-- check): here too, so exports and retention name them whichever branch lands first.
alter table vehicle_passes add column if not exists clip_uri text
  check (clip_uri is null or clip_uri like 'minio://%');
alter table vehicle_passes add column if not exists clip_start timestamptz;
alter table vehicle_passes add column if not exists clip_duration_s real;

-- A kept pass and its evidence (crop, clip, samples) are never deleted by retention.
alter table vehicle_passes add column if not exists keep boolean not null default false;

-- Reviews: append-only audit rows. The pass's own verdict is never overwritten; the latest review
-- of a pass says what a human thinks of it (correct, or wrong with the right verdict).
create table if not exists pass_reviews (
  id               bigserial primary key,
  pass_id          text not null references vehicle_passes (id) on delete cascade,
  camera           text not null,
  -- The pass's verdict when it was reviewed (the confusion table's "judged" axis).
  judged_verdict   text not null check (judged_verdict in ('full_stop', 'rolling_stop', 'no_stop')),
  correct          boolean not null,
  -- The right verdict: the judged one when correct, the reviewer's when wrong.
  actual_verdict   text not null check (actual_verdict in ('full_stop', 'rolling_stop', 'no_stop')),
  note             text not null default '' check (length(note) <= 2000),
  reviewer         text not null check (length(reviewer) between 1 and 200),
  created_at       timestamptz not null default now(),
  check (correct = (actual_verdict = judged_verdict))
);
create index if not exists pass_reviews_pass on pass_reviews (pass_id, id desc);
create index if not exists pass_reviews_camera_created on pass_reviews (camera, created_at desc);

-- Append-only: no update ever; a delete only when its pass is gone (retention of the pass).
create or replace function pass_reviews_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'pass_reviews is append-only';
  end if;
  if exists (select 1 from vehicle_passes where id = old.pass_id) then
    raise exception 'pass_reviews is append-only (delete the pass instead)';
  end if;
  return old;
end $$;
drop trigger if exists pass_reviews_append_only on pass_reviews;
create trigger pass_reviews_append_only before update or delete on pass_reviews
  for each row execute function pass_reviews_append_only();

-- Changes of the keep flag are audited like reviews.
create table if not exists pass_keep_audit (
  id          bigserial primary key,
  pass_id     text not null,
  keep        boolean not null,
  actor       text not null,
  created_at  timestamptz not null default now()
);
create index if not exists pass_keep_audit_pass on pass_keep_audit (pass_id, id desc);

-- Retention walks passes by age; kept ones are skipped.
create index if not exists vehicle_passes_exited_unkept on vehicle_passes (exited_at) where not keep;

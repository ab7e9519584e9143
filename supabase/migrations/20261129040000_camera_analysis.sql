-- stopline schema: runtime control (issue #15 §5). Whether the analyzer analyzes a camera, set by
-- POST /api/cameras/:id/analysis or the MQTT switch `stopline/<camera>/set/enabled`; the analyzer
-- reads it at start and on NOTIFY stopline_analysis. A camera without a row is analyzed. Kept
-- apart from `cameras.enabled` (whether MediaMTX serves the video): pausing analysis leaves the
-- video playing, and cameras from the config file have no `cameras` row.
create table if not exists camera_analysis (
  camera      text primary key check (camera ~ '^[A-Za-z0-9_-]{1,64}$'),
  enabled     boolean not null default true,
  updated_at  timestamptz not null default now(),
  -- Who changed it: a token subject, or 'mqtt'.
  updated_by  text not null default '' check (length(updated_by) <= 200)
);

-- What the analyzer is doing (not what was asked): true while its pipeline for the camera is
-- stopped because analysis is paused.
alter table camera_status add column if not exists paused boolean not null default false;

-- stopline schema: a replay clip per pass (issue #13 §1). The analyzer cuts the clip from the
-- recording after the pass is written and fills these in later (retried until stored), so a pass
-- row exists without them for a few seconds, or longer while the recorder or store is down.
-- clip_uri: minio://<bucket>/clips/<camera>/<pass>.mp4; clip_start: capture time of the clip's
-- first frame (a keyframe at or before entered_at - pre_roll); clip_duration_s: its length.

alter table vehicle_passes add column if not exists clip_uri text;
alter table vehicle_passes add column if not exists clip_start timestamptz;
alter table vehicle_passes add column if not exists clip_duration_s real;

alter table vehicle_passes drop constraint if exists vehicle_passes_clip_uri_check;
alter table vehicle_passes add constraint vehicle_passes_clip_uri_check
  check (clip_uri is null or clip_uri like 'minio://%');

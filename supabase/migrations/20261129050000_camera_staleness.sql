-- The analyzer's links of the staleness chain (issue 15 §1): each age in ms as the analyzer saw
-- it when it wrote the row (null before the camera's first frame). Readers add the row's own age
-- (now() - updated_at, the database's clock on both sides), so no two machines' clocks are
-- compared and a silent analyzer's ages keep growing.
alter table camera_status add column if not exists capture_age_ms real;
alter table camera_status add column if not exists decode_age_ms real;
alter table camera_status add column if not exists infer_age_ms real;
alter table camera_status add column if not exists publish_age_ms real;

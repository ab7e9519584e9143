-- Motion-gated detection (issue 16 §1): the share of the analyzed frames of the last 10 s the
-- detector ran on, 0..1, as the analyzer saw it when it wrote the status row (1 without gating;
-- null from an analyzer that predates it). GET /api/cameras reports it as status.detected_share.
alter table camera_status add column if not exists detected_share real;

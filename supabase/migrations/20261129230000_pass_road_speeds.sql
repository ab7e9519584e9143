-- Road speeds of a pass in m/s (issue #12 item 4), from calibrated cameras only: null when the
-- camera has no ground-plane calibration (its speeds are image px/s, in min_speed_px_s and
-- entry_speed_px_s).
alter table vehicle_passes add column if not exists entry_speed_mps real
  check (entry_speed_mps is null or entry_speed_mps >= 0);
alter table vehicle_passes add column if not exists min_speed_mps real
  check (min_speed_mps is null or min_speed_mps >= 0);
alter table vehicle_passes add column if not exists max_speed_mps real
  check (max_speed_mps is null or max_speed_mps >= 0);

-- stopline schema, part 6: speeds say their unit. Tracker speeds are source pixels per second, so
-- the columns and the sample objects carry `_px_s` (metres per second arrive later as `_mps`).
-- Existing rows keep their values; only the names change.

alter table vehicle_passes rename column min_speed to min_speed_px_s;
alter table vehicle_passes rename column entry_speed to entry_speed_px_s;
alter table car_state_history rename column speed to speed_px_s;

-- Samples stored inside a pass (jsonb array of {ts, cx, cy, speed, phase}) get the same key.
update vehicle_passes
set samples = (
  select coalesce(jsonb_agg(
    case when s ? 'speed' then (s - 'speed') || jsonb_build_object('speed_px_s', s -> 'speed')
    else s end
    order by i), '[]'::jsonb)
  from jsonb_array_elements(samples) with ordinality as e(s, i)
)
where jsonb_typeof(samples) = 'array'
  and exists (select 1 from jsonb_array_elements(samples) as e(s) where s ? 'speed');

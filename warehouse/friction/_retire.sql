-- _retire: the scope's friction points that the new run does not reproduce exactly (not a rule: the
-- friction flow runs it after every rule wrote into friction_staging, then deletes these rows).
-- Points found again unchanged stay as they are, with their first detected_at: deleting a row
-- from the primary-key index costs ~17 us at commit (1.7M rows: 28 s, measured here), so a
-- rerun over unchanged journeys writes nothing.
create or replace temp table friction_gone as
select f.journey_id, f.rule
from friction_points as f
where f.journey_id in (select journey_id from scope_ids)
  and not exists (
      select 1
      from friction_staging as s
      where s.journey_id = f.journey_id
        and s.rule = f.rule
        and s.severity = f.severity
        and s.touchpoint_ids = f.touchpoint_ids
        and s.channel is not distinct from f.channel
        and s.step is not distinct from f.step
        and s.detail is not distinct from f.detail
  )

-- _retire_effort: delete the scope's journey_effort rows the run did not reproduce exactly (effort_staging).
-- Unchanged rows stay with their first measured_at: deleting a key from a primary-key index costs
-- ~25 us at commit (1M rows: 25 s, measured here), so a rerun over unchanged journeys writes nothing.
delete from journey_effort as t
where t.journey_id in (select journey_id from scope_ids)
  and not exists (
      select 1
      from effort_staging as s
      where s.journey_id = t.journey_id
        and s.kind = t.kind
        and s.status = t.status
        and s.touchpoints = t.touchpoints
        and s.channel_switches = t.channel_switches
        and s.duration_s = t.duration_s
  )

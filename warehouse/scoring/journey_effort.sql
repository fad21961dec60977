-- journey_effort: the effort measures of the journeys in scope (scope_touchpoints, scope_journeys),
-- in the columns of journey_effort (the score flow stages them, then publishes what changed)
with switches as (
    select journey_id
         , count(*) as touchpoints
         , count(*) filter (where previous_channel is not null and previous_channel <> channel) as channel_switches
    from scope_touchpoints
    group by journey_id
)

select j.journey_id
     , j.kind
     , j.status
     , s.touchpoints
     , s.channel_switches
     , epoch(j.last_time) - epoch(j.first_time) as duration_s
     , $measured_at as measured_at
from scope_journeys as j
join switches as s on s.journey_id = j.journey_id

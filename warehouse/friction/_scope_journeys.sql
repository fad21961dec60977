-- _scope_journeys: one row per journey of scope_touchpoints, with what the rules need to know about it.
-- channel_count, touchpoint_count: from the journey record (cheap filters for rules that need several).
-- idle_s: seconds between its last touchpoint and the newest event time in the warehouse (how long it
-- has been quiet, which settles the abandonment rules).
create or replace temp table scope_journeys as
with last_touch as (
    select journey_id, min(event_time) as first_time, max(event_time) as last_time
    from scope_touchpoints
    group by journey_id
)

, watermark as (
    select coalesce(
        (select max(event_time) from touchpoints)
      , (select max(event_time) from journey_touchpoints)
    ) as newest
)

select j.journey_id
     , j.customer_id
     , j.kind
     , j.status
     , j.country
     , j.outcome
     , j.channel_count
     , j.touchpoint_count
     , l.first_time
     , l.last_time
     , epoch(w.newest) - epoch(l.last_time) as idle_s
from journeys as j
join last_touch as l on l.journey_id = j.journey_id
cross join watermark as w

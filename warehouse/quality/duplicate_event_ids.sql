-- duplicate_event_ids: event ids that belong to more than one live (non-merged) journey
with shared as (
    select jt.event_id, count(distinct jt.journey_id) as journeys
    from journey_touchpoints jt
    join journeys j using (journey_id)
    where j.status <> 'merged'
    group by jt.event_id
    having count(distinct jt.journey_id) > 1
)
select
      count(*)::double as observed
    , case when count(*) = 0 then 'every event id is in one live journey'
           else count(*) || ' event ids in several live journeys, e.g. ' || string_agg(event_id, ', ' order by event_id)[:120]
      end as detail
from shared

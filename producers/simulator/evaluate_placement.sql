-- placement: where each simulated event ended in the warehouse
--
-- sim_events(event_id, person_id, sim_journey_id) is the ground truth, registered by
-- `journeys evaluate`. A journey merged into another is not live: its touchpoints count
-- in the journey it was merged into.

-- live journeys and their members
with live as (
    select
          jt.event_id
        , min(jt.journey_id) as journey_id
    from journey_touchpoints as jt
    join journeys as j
        on j.journey_id = jt.journey_id
    where j.status <> 'merged'
    group by jt.event_id
)

-- one row per simulated event, null where the warehouse does not hold it
select
      s.event_id
    , s.person_id
    , s.sim_journey_id
    , t.customer_id
    , coalesce(l.journey_id, t.journey_id) as journey_id
    , t.late
from sim_events as s
left join touchpoints as t
    on t.event_id = s.event_id
left join live as l
    on l.event_id = s.event_id

-- scores: the experience score of live (not merged) journeys holding simulated events
select
      js.journey_id
    , js.score
from journey_scores as js
join journeys as j
    on j.journey_id = js.journey_id
where j.status <> 'merged'
    and js.journey_id in (
        select jt.journey_id
        from journey_touchpoints as jt
        join sim_events as s
            on s.event_id = jt.event_id
    )

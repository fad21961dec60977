-- friction_flags: the rules that fired on live (not merged) journeys holding simulated events
select distinct
      f.journey_id
    , f.rule
from friction_points as f
join journeys as j
    on j.journey_id = f.journey_id
where j.status <> 'merged'
    and f.journey_id in (
        select jt.journey_id
        from journey_touchpoints as jt
        join sim_events as s
            on s.event_id = jt.event_id
    )

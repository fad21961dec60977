-- journey_friction: the friction points of the given journeys (? = a list of journey ids)
select
      journey_id
    , rule
    , severity
    , touchpoint_ids
    , channel
    , step
    , detail
from friction_points
where journey_id in (select unnest(?::varchar[]))
order by journey_id, rule

-- friction_by_channel: per channel, the journeys that used it and those with friction on it
with live as (
    select journey_id from journeys where status <> 'merged'
)
, used as (
    select jt.channel, count(distinct jt.journey_id) as journeys
    from journey_touchpoints jt
    where jt.journey_id in (select journey_id from live)
    group by jt.channel
)
, flagged as (
    select f.channel, count(distinct f.journey_id) as journeys_with_friction, count(*) as friction_points
    from friction_points f
    where f.journey_id in (select journey_id from live)
      and f.channel is not null
    group by f.channel
)
select
      coalesce(u.channel, f.channel)                as channel
    , coalesce(u.journeys, 0)                       as journeys
    , coalesce(f.journeys_with_friction, 0)         as journeys_with_friction
    , coalesce(f.friction_points, 0)                as friction_points
from used u
full join flagged f on f.channel = u.channel
order by friction_points desc, journeys desc, channel

-- channel_transitions: consecutive touchpoints of a journey on different channels (from -> to),
-- with how many of the journeys making that switch had friction
with ordered as (
    select
          jt.journey_id
        , jt.channel
        , lag(jt.channel) over (partition by jt.journey_id order by jt.position) as previous
    from journey_touchpoints jt
    join journeys j on j.journey_id = jt.journey_id
    where j.status <> 'merged'
)
, flagged as (
    select distinct journey_id from friction_points
)
select
      o.previous                                as source
    , o.channel                                 as target
    , count(*)                                  as transitions
    , count(distinct o.journey_id)              as journeys
    , count(distinct f.journey_id)              as journeys_with_friction
from ordered o
left join flagged f on f.journey_id = o.journey_id
where o.previous is not null
  and o.previous <> o.channel
group by o.previous, o.channel
order by transitions desc, source, target

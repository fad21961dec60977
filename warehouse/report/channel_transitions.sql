-- channel_transitions: consecutive touchpoints of a journey on different channels (from -> to)
with ordered as (
    select
          jt.journey_id
        , jt.channel
        , lag(jt.channel) over (partition by jt.journey_id order by jt.position) as previous
    from journey_touchpoints jt
    join journeys j on j.journey_id = jt.journey_id
    where j.status <> 'merged'
)
select
      previous                      as source
    , channel                       as target
    , count(*)                      as transitions
    , count(distinct journey_id)    as journeys
from ordered
where previous is not null
  and previous <> channel
group by previous, channel
order by transitions desc, source, target

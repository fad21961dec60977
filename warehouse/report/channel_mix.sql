-- channel_mix: the observed share of each channel in each country's touchpoints
with by_channel as (
    select coalesce(j.country, '??') as country, jt.channel, count(*) as touchpoints
    from journey_touchpoints jt
    join journeys j on j.journey_id = jt.journey_id
    where j.status <> 'merged'
    group by all
)
select
      country
    , channel
    , touchpoints
    , touchpoints / sum(touchpoints) over (partition by country) as share
from by_channel
order by country, touchpoints desc

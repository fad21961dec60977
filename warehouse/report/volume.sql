-- volume: journeys started per period (? = 'day' or 'hour'), and how many of them had friction
with live as (
    select journey_id, start_time
    from journeys
    where status <> 'merged'
)
select
      date_trunc(?, live.start_time)                                       as period
    , count(*)                                                             as journeys
    , count(*) filter (where live.journey_id in (select journey_id from friction_points)) as with_friction
from live
group by period
order by period

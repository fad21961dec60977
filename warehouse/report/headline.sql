-- headline: the numbers at the top of the report (merged journeys live on in their survivor)
with live as (
    select journey_id, customer_id, start_time, end_time, touchpoint_count
    from journeys
    where status <> 'merged'
)
, with_friction as (
    select distinct journey_id from friction_points
)
select
      count(*)                                                   as journeys
    , count(distinct live.customer_id)                           as customers
    , coalesce(sum(live.touchpoint_count), 0)                    as touchpoints
    , (select median(score) from journey_scores s
        where s.journey_id in (select journey_id from live))      as median_score
    , count(f.journey_id)                                        as journeys_with_friction
    , min(live.start_time)                                       as first_time
    , max(live.end_time)                                         as last_time
from live
left join with_friction f on f.journey_id = live.journey_id

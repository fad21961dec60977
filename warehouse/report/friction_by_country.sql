-- friction_by_country: per country, the share of journeys with at least one friction point
with live as (
    select journey_id, coalesce(country, '??') as country
    from journeys
    where status <> 'merged'
)
, flagged as (
    select journey_id, count(*) as points from friction_points group by journey_id
)
select
      live.country
    , count(*)                              as journeys
    , count(flagged.journey_id)             as journeys_with_friction
    , coalesce(sum(flagged.points), 0)      as friction_points
from live
left join flagged on flagged.journey_id = live.journey_id
group by live.country
order by journeys desc, live.country

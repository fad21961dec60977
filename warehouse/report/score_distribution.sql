-- score_distribution: journeys per 10-point score band, and the mean of each component
select
      least(floor(s.score / 10), 9)::integer    as band
    , count(*)                                  as journeys
    , avg(s.outcome_points)                     as outcome_points
    , avg(s.effort_points)                      as effort_points
    , avg(s.friction_points)                    as friction_points
    , avg(s.sentiment_points)                   as sentiment_points
from journey_scores s
join journeys j on j.journey_id = s.journey_id
where j.status <> 'merged'
group by band
order by band

-- worst_journeys: the ? lowest-scored journeys with their score components
select
      j.journey_id
    , j.customer_id
    , j.kind
    , j.status
    , j.outcome
    , j.country
    , j.start_time
    , j.end_time
    , j.touchpoint_count
    , s.score
    , s.outcome_points
    , s.effort_points
    , s.friction_points
    , s.sentiment_points
    , s.components::varchar         as components
    , s.weights_version
from journey_scores s
join journeys j on j.journey_id = s.journey_id
where j.status <> 'merged'
order by s.score, j.start_time, j.journey_id
limit ?

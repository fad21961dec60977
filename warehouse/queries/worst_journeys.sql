-- worst_journeys: the lowest-scoring journeys and why (points by component, friction rules)
select journey_id, customer_id, kind, country, channel_mix, score
     , outcome_points, effort_points, friction_penalty, sentiment_points, friction_rules
from journey_summary
where score is not null
order by score, journey_id
limit 25;

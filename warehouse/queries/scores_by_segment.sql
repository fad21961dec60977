-- scores_by_segment: average score and its components per journey kind, country and channel mix
select 'kind' as segment, kind as value, journeys, avg_score, median_score, p10_score
     , avg_outcome_points, avg_effort_points, avg_friction_penalty, avg_sentiment_points, share_with_friction
from scores_by_kind
union all
select 'country', coalesce(country, '(unknown)'), journeys, avg_score, median_score, p10_score
     , avg_outcome_points, avg_effort_points, avg_friction_penalty, avg_sentiment_points, share_with_friction
from scores_by_country
union all
select 'channel_mix', channel_mix, journeys, avg_score, median_score, p10_score
     , avg_outcome_points, avg_effort_points, avg_friction_penalty, avg_sentiment_points, share_with_friction
from scores_by_channel_mix
order by segment, journeys desc, value;

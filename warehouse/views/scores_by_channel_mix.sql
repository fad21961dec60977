-- scores_by_channel_mix: experience score per channel_mix (scored journeys only)
create or replace view scores_by_channel_mix as
select channel_mix
     , count(*) as journeys
     , round(avg(score), 1) as avg_score
     , round(median(score), 1) as median_score
     , round(quantile_cont(score, 0.1), 1) as p10_score
     , round(avg(outcome_points), 1) as avg_outcome_points
     , round(avg(effort_points), 1) as avg_effort_points
     , round(avg(friction_penalty), 1) as avg_friction_penalty
     , round(avg(sentiment_points), 1) as avg_sentiment_points
     , round(avg((friction_count > 0)::int), 3) as share_with_friction
from journey_summary
where score is not null
group by channel_mix;

comment on view scores_by_channel_mix is 'experience score per channel_mix (scored journeys only)';

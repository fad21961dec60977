-- journey_scores: the experience score of the journeys in scope, with every input behind it, in the
-- columns of journey_scores (the score flow stages them, then publishes what changed).
-- score = clamp(outcome_points + effort_points + sentiment_points + friction_points, 0, 100)
-- (docs/scoring.md; the weights are bound from warehouse/scoring.yaml)

-- section: outcome, from the journey record (the stitcher: last touchpoint outcome, else terminal event type)
with outcome as (
    select j.journey_id
         , j.status
         , j.outcome
         , coalesce(
               $outcome_shares[j.outcome]
             , case when j.status = 'open' and j.outcome is null then $open_share else $unknown_share end
           ) as share
    from scope_journeys as j
)

-- section: effort against the typical journey of the same kind
, typical as (
    select e.journey_id
         , e.touchpoints
         , e.channel_switches
         , e.duration_s
         , case when k.journeys >= $min_kind_journeys then e.kind else '*' end as typical_of
         , case when k.journeys >= $min_kind_journeys then k.touchpoints else a.touchpoints end as typical_touchpoints
         , case when k.journeys >= $min_kind_journeys then k.channel_switches else a.channel_switches end
           as typical_channel_switches
         , case when k.journeys >= $min_kind_journeys then k.duration_s else a.duration_s end as typical_duration_s
    from journey_effort as e
    join scope_journeys as j on j.journey_id = e.journey_id
    left join journey_norms as k on k.kind = e.kind
    left join journey_norms as a on a.kind = '*'
)

, effort as (
    select *
         -- excess over typical, 0 at or below it, 1 at full_penalty_ratio times it; +1 keeps zero medians finite
         , least(1, greatest(0, ((touchpoints + 1) / (coalesce(typical_touchpoints, touchpoints) + 1) - 1)
                / ($full_penalty_ratio - 1))) as touchpoints_excess
         , least(1, greatest(0, ((channel_switches + 1) / (coalesce(typical_channel_switches, channel_switches) + 1) - 1)
                / ($full_penalty_ratio - 1))) as channel_switches_excess
         , least(1, greatest(0, ((duration_s + 1) / (coalesce(typical_duration_s, duration_s) + 1) - 1)
                / ($full_penalty_ratio - 1))) as duration_excess
    from typical
)

-- section: friction penalty by severity
, friction as (
    select f.journey_id
         , sum(coalesce($severity_weights[f.severity], 0)) as weight
         , list(f.rule order by f.rule) as rules
    from friction_points as f
    join scope_journeys as j on j.journey_id = f.journey_id
    group by f.journey_id
)

-- section: survey sentiment, each answer rescaled to 0-1 on its scale
, sentiment as (
    select journey_id
         , count(*) as surveys
         , avg(least(1, greatest(0,
               (survey_score - $scale_low[survey_kind]) / ($scale_high[survey_kind] - $scale_low[survey_kind])
           ))) as level
    from scope_touchpoints
    where event_type = 'survey_response'
      and survey_score is not null
      and $scale_low[survey_kind] is not null
    group by journey_id
)

, points as (
    select o.journey_id
         , o.outcome
         , o.status
         , o.share as outcome_share
         , $outcome_points * o.share as outcome_points
         , e.touchpoints, e.typical_touchpoints, e.touchpoints_excess
         , e.channel_switches, e.typical_channel_switches, e.channel_switches_excess
         , e.duration_s, e.typical_duration_s, e.duration_excess
         , e.typical_of
         , $effort_points * (1
               - $touchpoints_share * coalesce(e.touchpoints_excess, 0)
               - $channel_switches_share * coalesce(e.channel_switches_excess, 0)
               - $duration_share * coalesce(e.duration_excess, 0)) as effort_points
         , coalesce(f.weight, 0) as friction_weight
         , coalesce(f.rules, []) as friction_rules
         , 0.0 - least($max_penalty, $points_per_weight * coalesce(f.weight, 0)) as friction_points
         , coalesce(s.surveys, 0) as surveys
         , s.level as sentiment_level
         , $sentiment_points * coalesce(s.level, $no_survey_share) as sentiment_points
    from outcome as o
    left join effort as e on e.journey_id = o.journey_id
    left join friction as f on f.journey_id = o.journey_id
    left join sentiment as s on s.journey_id = o.journey_id
)

select journey_id
     , round(greatest(0, least(100, outcome_points + effort_points + friction_points + sentiment_points)), 2) as score
     , round(outcome_points, 2) as outcome_points
     , round(effort_points, 2) as effort_points
     , round(friction_points, 2) as friction_points
     , round(sentiment_points, 2) as sentiment_points
     , json_object(
           'outcome', json_object('value', outcome, 'status', status, 'share', outcome_share)
         , 'effort', json_object(
               'typical_of', typical_of
             , 'touchpoints', touchpoints, 'typical_touchpoints', typical_touchpoints
             , 'touchpoints_excess', round(touchpoints_excess, 4)
             , 'channel_switches', channel_switches, 'typical_channel_switches', typical_channel_switches
             , 'channel_switches_excess', round(channel_switches_excess, 4)
             , 'duration_s', duration_s, 'typical_duration_s', typical_duration_s
             , 'duration_excess', round(duration_excess, 4)
           )
         , 'friction', json_object('rules', friction_rules, 'severity_weight', friction_weight)
         , 'sentiment', json_object('surveys', surveys, 'level', round(sentiment_level, 4))
       ) as components
     , $weights_version as weights_version
     , $scored_at as scored_at
from points

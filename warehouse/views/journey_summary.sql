-- journey_summary: one row per journey (merged ones left out) with its score and friction, the base of the score views
create or replace view journey_summary as
with friction as (
    select journey_id, count(*) as friction_count, list(rule order by rule) as friction_rules
    from friction_points
    group by journey_id
)

select j.journey_id
     , j.customer_id
     , j.kind
     , j.status
     , j.country
     , j.outcome
     , j.start_time
     , j.end_time
     , j.duration_s
     , j.touchpoint_count
     , j.channels
     , array_to_string(list_sort(list_distinct(j.channels)), '+') as channel_mix
     , s.score
     , s.outcome_points
     , s.effort_points
     , s.friction_points as friction_penalty
     , s.sentiment_points
     , coalesce(f.friction_count, 0) as friction_count
     , coalesce(f.friction_rules, []) as friction_rules
from journeys as j
left join journey_scores as s on s.journey_id = j.journey_id
left join friction as f on f.journey_id = j.journey_id
where j.status <> 'merged';

comment on view journey_summary is 'one row per journey (merged ones left out) with its score and friction, the base of the score views';

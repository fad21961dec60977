-- _retire_scores: delete the scope's journey_scores rows the run did not reproduce exactly (score_staging).
-- Unchanged scores stay with their first scored_at (see _retire_effort.sql for why).
delete from journey_scores as t
where t.journey_id in (select journey_id from scope_ids)
  and not exists (
      select 1
      from score_staging as s
      where s.journey_id = t.journey_id
        and s.score = t.score
        and s.outcome_points = t.outcome_points
        and s.effort_points = t.effort_points
        and s.friction_points = t.friction_points
        and s.sentiment_points = t.sentiment_points
        and s.components::varchar = t.components::varchar
        and s.weights_version = t.weights_version
  )

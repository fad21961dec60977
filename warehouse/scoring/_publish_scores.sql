-- _publish_scores: insert the new and changed journey_scores rows (after _retire_scores.sql), sorted by key
insert into journey_scores
select s.*
from score_staging as s
where not exists (select 1 from journey_scores as t where t.journey_id = s.journey_id)
order by s.journey_id

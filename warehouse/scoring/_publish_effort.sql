-- _publish_effort: insert the new and changed journey_effort rows (after _retire_effort.sql), sorted by key
insert into journey_effort
select s.*
from effort_staging as s
where not exists (select 1 from journey_effort as t where t.journey_id = s.journey_id)
order by s.journey_id

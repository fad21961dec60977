-- _publish: insert the new and changed friction points (not a rule: runs after _retire.sql).
-- Sorted by the key: inserting 1.7M rows into the primary-key index took 11 s unsorted, 3 s sorted.
insert into friction_points
select s.*
from friction_staging as s
where not exists (select 1 from friction_points as f where f.journey_id = s.journey_id and f.rule = s.rule)
order by s.journey_id, s.rule

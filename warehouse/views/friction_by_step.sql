-- friction_by_step: friction points per step (page or step of the first evidence), channel and rule
create or replace view friction_by_step as
select coalesce(step, '(none)') as step
     , channel
     , rule
     , count(*) as friction_points
     , count(distinct journey_id) as journeys
from friction_detail
group by 1, channel, rule;

comment on view friction_by_step is 'friction points per step (page or step of the first evidence), channel and rule';

-- form_abandonment: a form_start of step X with no later form_submit of step X, in a settled journey
-- (closed, or its last touchpoint more than $abandon_after_s older than the newest touchpoint)
-- evidence: the last form_start of each abandoned form

with forms as (
    select journey_id, step
         , max(position) filter (where event_type = 'form_start') as last_start
         , max(position) filter (where event_type = 'form_submit') as last_submit
    from scope_touchpoints
    where event_type in ('form_start', 'form_submit')
    group by journey_id, step
)

, abandoned as (
    select f.journey_id, f.last_start
    from forms as f
    join scope_journeys as j on j.journey_id = f.journey_id
    where f.last_start > coalesce(f.last_submit, 0)
      and (j.status = 'closed' or j.idle_s > $abandon_after_s)
)

select s.journey_id
     , list(s.event_id order by s.position) as touchpoint_ids
     , arg_min(s.channel, s.position) as channel
     , arg_min(coalesce(s.step, s.page), s.position) as step
     , format('form {} started, never submitted', string_agg(coalesce(s.step, '(no step)'), ', ' order by s.position)) as detail
from abandoned as a
join scope_touchpoints as s on s.journey_id = a.journey_id and s.position = a.last_start
group by s.journey_id

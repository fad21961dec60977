-- form_abandonment: a form_start of step X with no later form_submit of step X, in a settled journey
-- (closed, or its last touchpoint more than $abandon_after_s older than the newest touchpoint)
-- evidence: the last form_start of each abandoned form

-- section: form events with the last start and submit of their form (windows, no join back)
with forms as (
    select journey_id, position, event_id, channel, coalesce(step, page) as step_or_page, step, event_type
         , max(position) filter (where event_type = 'form_start') over (partition by journey_id, step) as last_start
         , max(position) filter (where event_type = 'form_submit') over (partition by journey_id, step) as last_submit
    from scope_touchpoints
    where event_type in ('form_start', 'form_submit')
)

, abandoned as (
    select f.*
    from forms as f
    join scope_journeys as j on j.journey_id = f.journey_id
    where f.event_type = 'form_start'
      and f.position = f.last_start
      and f.position > coalesce(f.last_submit, 0)
      and (j.status = 'closed' or j.idle_s > $abandon_after_s)
)

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(step_or_page, position) as step
     , format('form {} started, never submitted', string_agg(coalesce(step, '(no step)'), ', ' order by position)) as detail
from abandoned
group by journey_id

-- loop_backtrack: a step visited again after another step in between (A, B, A), on $event_types
-- evidence: every visit of each revisited step (consecutive repeats of a step count as one visit)

-- section: the step sequence, consecutive repeats collapsed into one visit
with steps as (
    select journey_id, position, event_id, channel, step
         , lag(step) over (partition by journey_id order by position) as previous_step
    from scope_touchpoints
    where list_contains($event_types, event_type)
      and step is not null
)

, visits as (
    select journey_id, position, event_id, channel, step
         , count(*) over (partition by journey_id, step) as visits_of_step
    from steps
    where previous_step is distinct from step
)

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(step, position) as step
     , format('revisited {}', string_agg(distinct step, ', ')) as detail
from visits
where visits_of_step >= 2
group by journey_id

-- error_event: an `error` event, or an error code on any event type but $ignored_event_types
-- evidence: every such touchpoint

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('{} error(s): {}', count(*), string_agg(distinct coalesce(error_code, event_type), ', ')) as detail
from scope_touchpoints
where event_type = 'error'
   or (error_code is not null and not list_contains($ignored_event_types, event_type))
group by journey_id

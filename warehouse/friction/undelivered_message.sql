-- undelivered_message: a message of $event_types (bounced, failed)
-- evidence: every undelivered message

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('{} undelivered message(s) on {}', count(*), string_agg(distinct channel, ', ')) as detail
from scope_touchpoints
where list_contains($event_types, event_type)
group by journey_id

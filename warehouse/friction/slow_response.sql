-- slow_response: a touchpoint of $event_types whose latency exceeds its channel's threshold ($thresholds_ms)
-- evidence: every slow touchpoint; channels without a threshold never fire

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('{} slow response(s), slowest {} ms', count(*), max(latency_ms)) as detail
from scope_touchpoints
where list_contains($event_types, event_type)
  and latency_ms > $thresholds_ms[channel]
group by journey_id

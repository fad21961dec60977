-- long_queue_wait: a `queued` event waiting (latency_ms) longer than its channel's threshold
-- ($thresholds_ms, else $default_threshold_ms)
-- evidence: every long wait

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('{} long queue wait(s), longest {} s', count(*), max(latency_ms) // 1000) as detail
from scope_touchpoints
where event_type = 'queued'
  and latency_ms > coalesce($thresholds_ms[channel], $default_threshold_ms)
group by journey_id

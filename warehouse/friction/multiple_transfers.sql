-- multiple_transfers: >= $min_transfers agent_transfer events in the journey
-- evidence: every transfer

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('{} agent transfers', count(*)) as detail
from scope_touchpoints
where event_type = 'agent_transfer'
group by journey_id
having count(*) >= $min_transfers

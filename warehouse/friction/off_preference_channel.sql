-- off_preference_channel: a brand-initiated message or notification ($event_types) on a channel whose
-- share in the journey's country is below $min_share (channel_preferences).
-- brand-initiated: the customer had not written on that channel earlier in the journey (no
-- $customer_event_types there before it), so an agent answering a chat the customer opened is no friction.
-- A channel listed for other countries but not for this one counts as 0; a country not listed, or a
-- channel the table never lists (web, app, chat, voice), never fires.
-- evidence: every such message

with customer_channels as (
    select journey_id, channel, min(position) as first_customer_position
    from scope_touchpoints
    where list_contains($customer_event_types, event_type)
    group by journey_id, channel
)

, messages as (
    select s.journey_id, s.position, s.event_id, s.channel, coalesce(s.step, s.page) as step
         , coalesce(j.country, t.country) as country
    from scope_touchpoints as s
    join scope_journeys as j on j.journey_id = s.journey_id
    left join touchpoints as t on t.event_id = s.event_id
    left join customer_channels as c on c.journey_id = s.journey_id and c.channel = s.channel
    where list_contains($event_types, s.event_type)
      and s.channel in (select channel from channel_preferences)
      and (c.first_customer_position is null or c.first_customer_position > s.position)
)

, off_preference as (
    select m.*, coalesce(p.share, 0) as share
    from messages as m
    join (select distinct country from channel_preferences) as known on known.country = m.country
    left join channel_preferences as p on p.country = m.country and p.channel = m.channel
    where coalesce(p.share, 0) < $min_share
)

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(step, position) as step
     , format('messaged on {} in {} ({}% prefer it)'
         , arg_min(channel, position), arg_min(country, position), round(100 * arg_min(share, position))) as detail
from off_preference
group by journey_id

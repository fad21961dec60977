-- slow_reply: the brand's first message_sent after a customer message_received on the same channel
-- came later than the channel's service level ($service_level_s; channels not listed never fire)
-- evidence: each late-answered customer message and the reply

-- section: for each message, the position of the next brand message on its channel
with messages as (
    select journey_id, position, event_id, event_time, channel, event_type, coalesce(step, page) as step
         , first_value(case when event_type = 'message_sent' then position end ignore nulls) over (
               partition by journey_id, channel order by position
               rows between 1 following and unbounded following
           ) as reply_position
    from scope_touchpoints
    where event_type in ('message_sent', 'message_received')
)

, late as (
    select q.journey_id, q.position, q.channel, q.step
         , q.event_id as question_id, r.event_id as reply_id
         , epoch(r.event_time) - epoch(q.event_time) as wait_s
    from messages as q
    join messages as r on r.journey_id = q.journey_id and r.position = q.reply_position
    where q.event_type = 'message_received'
      and epoch(r.event_time) - epoch(q.event_time) > $service_level_s[q.channel]
)

, evidence as (
    select journey_id, position, question_id as event_id from late
    union
    select l.journey_id, m.position, l.reply_id
    from late as l
    join messages as m on m.journey_id = l.journey_id and m.event_id = l.reply_id
)

-- section: one row per journey: the evidence in journey order, and the first late reply's channel
, evidence_lists as (
    select journey_id, list(event_id order by position) as touchpoint_ids
    from evidence
    group by journey_id
)

, summary as (
    select journey_id
         , arg_min(channel, position) as channel
         , arg_min(step, position) as step
         , format('reply on {} after {} min', arg_min(channel, position), round(max(wait_s) / 60, 1)) as detail
    from late
    group by journey_id
)

select s.journey_id, e.touchpoint_ids, s.channel, s.step, s.detail
from summary as s
join evidence_lists as e on e.journey_id = s.journey_id

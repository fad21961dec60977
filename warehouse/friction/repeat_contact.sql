-- repeat_contact: a contact_started whose customer had another contact_started with the same
-- non-null intent within the previous $window_s (same or earlier journey); fires on the journey
-- of the later contact.
-- evidence: both contacts of every such pair

-- section: contacts in scope
with contacts as (
    select s.journey_id, s.position, s.event_id, s.event_time, s.channel, s.intent, coalesce(s.step, s.page, s.intent) as step, j.customer_id
    from scope_touchpoints as s
    join scope_journeys as j on j.journey_id = s.journey_id
    where s.event_type = 'contact_started'
      and s.intent is not null
)

-- section: every contact of those customers, in any journey (and the scope's own contacts, should the
-- touchpoints table not attribute one to the journey's customer yet)
, history as (
    select t.event_id, t.customer_id, t.event_time, t.intent
    from touchpoints as t
    where t.event_type = 'contact_started'
      and t.intent is not null
      and t.customer_id in (select customer_id from contacts)
    union
    select event_id, customer_id, event_time, intent
    from contacts
)

, pairs as (
    select c.journey_id, c.position, c.event_id, c.event_time, c.channel, c.intent, c.step
         , h.event_id as earlier_id, h.event_time as earlier_time
    from contacts as c
    join history as h
      on h.customer_id = c.customer_id
     and h.intent = c.intent
     and h.event_id <> c.event_id
     and (h.event_time < c.event_time or (h.event_time = c.event_time and h.event_id < c.event_id))
     and h.event_time >= c.event_time - to_seconds($window_s)
)

, evidence as (
    select journey_id, earlier_id as event_id, earlier_time as event_time from pairs
    union
    select journey_id, event_id, event_time from pairs
)

-- section: one row per journey: the evidence in time order, and the later contact's channel and intent
, evidence_lists as (
    select journey_id, list(event_id order by event_time, event_id) as touchpoint_ids
    from evidence
    group by journey_id
)

, summary as (
    select journey_id
         , arg_min(channel, position) as channel
         , arg_min(step, position) as step
         , format(
               'contacted again about {} after {} h'
             , arg_min(intent, position)
             , round(min(epoch(event_time) - epoch(earlier_time)) / 3600, 1)
           ) as detail
    from pairs
    group by journey_id
)

select s.journey_id, e.touchpoint_ids, s.channel, s.step, s.detail
from summary as s
join evidence_lists as e on e.journey_id = s.journey_id

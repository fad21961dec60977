-- failed_self_service: a self-service touchpoint ($self_service_channels) that failed (outcome in
-- $failure_outcomes, or an event of $handoff_event_types), followed within $window_s by an assisted
-- contact of the same customer (contact_started on $assisted_channels, or agent_assigned anywhere).
-- The failure may sit in an earlier journey; the rule fires on the journey holding the contact.
-- evidence: the failures and the contacts that followed them

-- section: assisted contacts in scope
with contacts as (
    select s.journey_id, s.position, s.event_id, s.event_time, s.channel, coalesce(s.step, s.page, s.intent) as step
         , j.customer_id
    from scope_touchpoints as s
    join scope_journeys as j on j.journey_id = s.journey_id
    where (s.event_type = 'contact_started' and list_contains($assisted_channels, s.channel))
       or s.event_type = 'agent_assigned'
)

-- section: failed self-service of those customers, in any journey (and in the scope's own journeys,
-- should the touchpoints table not attribute an event to the journey's customer yet)
, failures as (
    select t.event_id, t.customer_id, t.event_time, t.channel
    from touchpoints as t
    where list_contains($self_service_channels, t.channel)
      and (list_contains($failure_outcomes, t.outcome) or list_contains($handoff_event_types, t.event_type))
      and t.customer_id in (select customer_id from contacts)
    union
    select s.event_id, j.customer_id, s.event_time, s.channel
    from scope_touchpoints as s
    join scope_journeys as j on j.journey_id = s.journey_id
    where list_contains($self_service_channels, s.channel)
      and (list_contains($failure_outcomes, s.outcome) or list_contains($handoff_event_types, s.event_type))
)

, pairs as (
    select c.journey_id, c.position, c.event_id, c.event_time, c.channel, c.step
         , f.event_id as failure_id, f.event_time as failure_time, f.channel as failure_channel
    from contacts as c
    join failures as f
      on f.customer_id = c.customer_id
     and f.event_id <> c.event_id
     and f.event_time <= c.event_time
     and f.event_time >= c.event_time - to_seconds($window_s)
)

, evidence as (
    select journey_id, failure_id as event_id, failure_time as event_time from pairs
    union
    select journey_id, event_id, event_time from pairs
)

-- section: one row per journey: the evidence in time order, and the first contact's channel and step
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
               'self-service failed on {}, then an assisted contact on {} {} min later'
             , arg_min(failure_channel, position)
             , arg_min(channel, position)
             , round(min(epoch(event_time) - epoch(failure_time)) / 60, 1)
           ) as detail
    from pairs
    group by journey_id
)

select s.journey_id, e.touchpoint_ids, s.channel, s.step, s.detail
from summary as s
join evidence_lists as e on e.journey_id = s.journey_id

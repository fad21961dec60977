-- _scope_touchpoints: the touchpoints of the journeys this run reworks (scope_ids; not a rule: the
-- friction and score flows create it first). Merged journeys are left out: their touchpoints belong
-- to the journey they merged into.
create or replace temp table scope_touchpoints as
select jt.journey_id
     , jt.position
     , jt.event_id
     , jt.event_time
     , jt.channel
     , jt.event_type
     , jt.session_id
     , jt.page
     , jt.step
     , jt.intent
     , jt.outcome
     , jt.error_code
     , jt.latency_ms
     , jt.duration_ms
     , jt.survey_kind
     , jt.survey_score
     -- the channel of the touchpoint before (channel switches, ping-pong): one window pass shared by the rules
     , lag(jt.channel) over (partition by jt.journey_id order by jt.position) as previous_channel
from journey_touchpoints as jt
where jt.journey_id in (
    select journey_id
    from journeys
    where status <> 'merged'
      and journey_id in (select journey_id from scope_ids)
)

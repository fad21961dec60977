-- self_service_containment: journeys where the customer sought help on self-service (the chatbot, or the app
-- or web in a support or billing journey) and never needed an assisted contact (a call, a live chat, an agent),
-- per kind and country
create or replace view self_service_containment as
with help as (
    select jt.journey_id
         , bool_or(jt.channel = 'chatbot') as used_bot
         , bool_or(jt.channel in ('app', 'web')) as used_digital
         , bool_or(
               (jt.event_type = 'contact_started' and jt.channel in ('voice', 'chat', 'video'))
               or jt.event_type in ('agent_assigned', 'agent_transfer')
           ) as assisted
    from journey_touchpoints as jt
    group by jt.journey_id
)

select s.kind
     , s.country
     , count(*) as self_service_journeys
     , count(*) filter (where not h.assisted) as contained
     , round(count(*) filter (where not h.assisted) / count(*), 4) as containment_rate
     , round(avg(s.score), 1) as avg_score
from help as h
join journey_summary as s on s.journey_id = h.journey_id
where h.used_bot
   or (h.used_digital and s.kind in ('support', 'billing'))
group by s.kind, s.country;

comment on view self_service_containment is 'journeys that sought help on self-service (chatbot, or app and web in support and billing journeys) and how many never needed an assisted contact, per kind and country';

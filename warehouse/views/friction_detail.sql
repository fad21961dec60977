-- friction_detail: every friction point with its rule's description and its journey's customer, kind and country
create or replace view friction_detail as
select f.journey_id
     , j.customer_id
     , j.kind
     , j.country
     , f.rule
     , r.description as rule_description
     , f.severity
     , f.channel
     , f.step
     , f.detail
     , len(f.touchpoint_ids) as evidence_count
     , f.touchpoint_ids
     , f.detected_at
from friction_points as f
join journeys as j on j.journey_id = f.journey_id
left join friction_rules as r on r.rule = f.rule;

comment on view friction_detail is 'every friction point with its rule''s description and its journey''s customer, kind and country';

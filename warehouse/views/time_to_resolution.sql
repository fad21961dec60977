-- time_to_resolution: how long journeys that reached their goal took, per kind and country
create or replace view time_to_resolution as
select kind
     , country
     , count(*) as resolved_journeys
     , round(median(duration_s) / 3600, 2) as median_hours
     , round(quantile_cont(duration_s, 0.9) / 3600, 2) as p90_hours
     , round(avg(touchpoint_count), 1) as avg_touchpoints
from journey_summary
where status = 'closed'
  and outcome in ('success', 'resolved', 'completed', 'converted', 'purchase', 'contact_resolved')
group by kind, country;

comment on view time_to_resolution is 'how long journeys that reached their goal took, per kind and country';

-- friction_by_country: friction points per country and rule, against the country's journeys
create or replace view friction_by_country as
with country_journeys as (
    select coalesce(country, '(unknown)') as country, count(*) as journeys
    from journey_summary
    group by 1
)

select coalesce(f.country, '(unknown)') as country
     , f.rule
     , f.severity
     , count(*) as friction_points
     , c.journeys as country_journeys
     , round(count(*) / c.journeys, 4) as share_of_country_journeys
from friction_detail as f
left join country_journeys as c on c.country = coalesce(f.country, '(unknown)')
group by coalesce(f.country, '(unknown)'), f.rule, f.severity, c.journeys;

comment on view friction_by_country is 'friction points per country and rule, against the country''s journeys';

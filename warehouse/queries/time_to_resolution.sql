-- time_to_resolution: median and p90 hours to a successful outcome, per kind and country
select kind, coalesce(country, '(unknown)') as country, resolved_journeys, median_hours, p90_hours, avg_touchpoints
from time_to_resolution
order by kind, resolved_journeys desc, country;

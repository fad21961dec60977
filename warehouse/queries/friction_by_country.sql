-- friction_by_country: friction points per country and rule, with the share of the country's journeys they hit
select country, rule, severity, friction_points, country_journeys, share_of_country_journeys
from friction_by_country
order by country, friction_points desc, rule;

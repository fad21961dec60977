-- self_service_containment: share of self-service journeys that never needed an assisted contact
select kind, coalesce(country, '(unknown)') as country, self_service_journeys, contained, containment_rate, avg_score
from self_service_containment
order by kind, self_service_journeys desc, country;

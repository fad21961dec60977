-- friction_by_rule: how many journeys each rule flagged, with its severity
select
      f.rule
    , any_value(f.severity)         as severity
    , count(*)                      as journeys
from friction_points f
join journeys j on j.journey_id = f.journey_id
where j.status <> 'merged'
group by f.rule
order by journeys desc, f.rule

-- friction_by_step: the steps (pages, screens, forms, intents) where friction happens most
select step, channel, rule, friction_points, journeys
from friction_by_step
order by friction_points desc, step, channel, rule
limit 50;

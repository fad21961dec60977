-- journey_norms: the typical (median) effort per journey kind, over closed journeys
-- (every journey when none is closed yet); kind '*' is every kind together
insert into journey_norms (kind, journeys, touchpoints, channel_switches, duration_s, computed_at)
with basis as (
    select *
    from journey_effort
    where status = 'closed'
       or not exists (select 1 from journey_effort where status = 'closed')
)

select coalesce(kind, '*') as kind
     , count(*) as journeys
     , median(touchpoints) as touchpoints
     , median(channel_switches) as channel_switches
     , median(duration_s) as duration_s
     , $computed_at
from basis
group by grouping sets ((kind), ())

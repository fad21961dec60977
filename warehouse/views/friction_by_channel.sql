-- friction_by_channel: friction points per channel and rule, against the journeys that used the channel
create or replace view friction_by_channel as
with channel_journeys as (
    select channel, count(*) as journeys
    from (select unnest(list_distinct(channels)) as channel from journey_summary)
    group by channel
)

select f.channel
     , f.rule
     , f.severity
     , count(*) as friction_points
     , c.journeys as journeys_on_channel
     , round(count(*) / c.journeys, 4) as share_of_channel_journeys
from friction_detail as f
left join channel_journeys as c on c.channel = f.channel
group by f.channel, f.rule, f.severity, c.journeys;

comment on view friction_by_channel is 'friction points per channel and rule, against the journeys that used the channel';

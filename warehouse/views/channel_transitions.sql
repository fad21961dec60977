-- channel_transitions: how often a journey moved from one channel to the next (from, to, count)
create or replace view channel_transitions as
with steps as (
    select journey_id
         , channel
         , lag(channel) over (partition by journey_id order by position) as from_channel
    from journey_touchpoints
    where journey_id in (select journey_id from journeys where status <> 'merged')
)

select from_channel
     , channel as to_channel
     , count(*) as transitions
     , count(distinct journey_id) as journeys
from steps
where from_channel is not null
  and from_channel <> channel
group by from_channel, to_channel;

comment on view channel_transitions is 'how often a journey moved from one channel to the next (from, to, count)';

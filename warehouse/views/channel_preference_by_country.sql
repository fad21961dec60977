-- channel_preference_by_country: the stated preference (channel_preferences) beside what customers
-- of each country actually used to reach the brand (their messages and contacts)
create or replace view channel_preference_by_country as
with used as (
    select coalesce(j.country, t.country) as country, t.channel, count(*) as touchpoints
    from touchpoints as t
    left join journeys as j on j.journey_id = t.journey_id
    where t.event_type in ('message_received', 'contact_started', 'message_clicked', 'message_opened')
    group by 1, 2
)

, observed as (
    select country, channel, touchpoints, touchpoints / sum(touchpoints) over (partition by country) as share
    from used
    where country is not null
)

select coalesce(p.country, o.country) as country
     , coalesce(p.channel, o.channel) as channel
     , p.share as stated_share
     , round(o.share, 4) as observed_share
     , coalesce(o.touchpoints, 0) as touchpoints
     , p.source
from channel_preferences as p
full join observed as o on o.country = p.country and o.channel = p.channel;

comment on view channel_preference_by_country is 'stated channel preference per country (channel_preferences) beside the share of the channels customers used to reach the brand';

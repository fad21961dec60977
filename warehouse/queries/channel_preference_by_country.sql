-- channel_preference_by_country: stated channel preference per country beside the channels customers used
select country, channel, stated_share, observed_share, touchpoints, source
from channel_preference_by_country
order by country, coalesce(stated_share, 0) desc, channel;

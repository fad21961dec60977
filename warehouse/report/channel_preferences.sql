-- channel_preferences: the stated preference table the friction flow loaded (when present)
select country, channel, share
from channel_preferences
order by country, share desc

-- freshness: minutes since the collector received the newest loaded touchpoint
select
      extract(epoch from (now() - max(received_time))) / 60.0 as observed
    , coalesce('newest touchpoint received at ' || strftime(max(received_time), '%Y-%m-%d %H:%M:%S UTC'),
               'no touchpoints loaded yet') as detail
from touchpoints

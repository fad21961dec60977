-- dead_letters: share of input loaded in the window that was dead-lettered or did not decode
with counts as (
    select
          (select count(*) from failed_events where loaded_at > now() - to_hours($window_hours::bigint)) as failed
        , (select count(*) from failed_events
           where loaded_at > now() - to_hours($window_hours::bigint) and error_kind = 'decode'
             and source = 'warehouse-loader') as undecodable
        , (select count(*) from touchpoints where loaded_at > now() - to_hours($window_hours::bigint)) as loaded
)
select
      case when failed + loaded > 0 then failed / (failed + loaded) end as observed
    , failed || ' failed events (' || undecodable || ' undecodable in the warehouse) against '
      || loaded || ' touchpoints loaded in the window; see the table failed_events' as detail
from counts

-- late_events: share of touchpoints loaded in the window that arrived late
with recent as (
    select late from touchpoints where loaded_at > now() - to_hours($window_hours::bigint)
)
select
      case when count(*) > 0 then count(*) filter (where late) / count(*) end as observed
    , count(*) filter (where late) || ' of ' || count(*) || ' touchpoints loaded in the window arrived late' as detail
from recent

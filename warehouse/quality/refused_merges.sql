-- refused_merges: share of identity merge decisions in the window that were refused
with recent as (
    select kind from identity_links
    where loaded_at > now() - to_hours($window_hours::bigint) and kind in ('merged', 'refused')
)
select
      case when count(*) > 0 then count(*) filter (where kind = 'refused') / count(*) end as observed
    , count(*) filter (where kind = 'refused') || ' refused of ' || count(*)
      || ' merge decisions in the window; see identity_links.reason' as detail
from recent

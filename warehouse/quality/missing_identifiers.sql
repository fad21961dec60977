-- missing_identifiers: share of touchpoints loaded in the window without any identifier
with recent as (
    select
          anonymous_id is null and event_customer_id is null and email_hash is null
          and phone_hash is null and device_id is null as missing
    from touchpoints
    where loaded_at > now() - to_hours($window_hours::bigint)
)
select
      case when count(*) > 0 then count(*) filter (where missing) / count(*) end as observed
    , count(*) filter (where missing) || ' of ' || count(*) || ' touchpoints loaded in the window have no identifier' as detail
from recent

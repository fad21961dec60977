-- reopened_journeys: share of journeys loaded in the window that were re-opened after closing
-- (a version with status open after a version with status closed, in journey_versions)
with recent as (
    select journey_id
    from journey_versions
    where loaded_at > now() - to_hours($window_hours::bigint)
    group by journey_id
)
, reopened as (
    select distinct later.journey_id
    from journey_versions later
    join journey_versions earlier
      on earlier.journey_id = later.journey_id and earlier.version < later.version
    where later.status = 'open' and earlier.status = 'closed'
      and later.journey_id in (select journey_id from recent)
)
select
      case when (select count(*) from recent) > 0
           then (select count(*) from reopened) / (select count(*) from recent) end as observed
    , (select count(*) from reopened) || ' of ' || (select count(*) from recent)
      || ' journeys loaded in the window were re-opened after closing' as detail

-- journeys: keep every version, upsert the latest, replace its membership, queue it for rework.
-- reads: staged_journeys (Journey fields, plus _row); writes the temp table batch_changed_journeys

-- section: every version ever seen (traceability); a version loaded twice is kept once
insert into journey_versions by name
select
      journey_id
    , version
    , customer_id
    , status
    , touchpoint_count
    , updated_time
    , now() as loaded_at
from staged_journeys
qualify row_number() over (partition by journey_id, version order by updated_time desc) = 1
on conflict do nothing;

-- section: the newest version per journey in this batch that is newer than the stored one
-- (_row, the record's place in the batch, makes the pick unique even when a version came twice;
-- arg_max instead of a window over the wide rows: ~3x faster, measured on 50k journeys)
create or replace temp table batch_changed_journeys as
with newest as (
    select arg_max(_row, (version, updated_time)) as _row
    from staged_journeys
    group by journey_id
)
select s.* exclude (_row)
from staged_journeys s
join newest n on n._row = s._row
left join journeys j on j.journey_id = s.journey_id
where j.journey_id is null or s.version > j.version;

-- section: upsert the latest version
insert into journeys by name
select
      journey_id
    , customer_id
    , kind
    , status
    , close_reason
    , merged_into
    , start_time
    , end_time
    , epoch_ms(end_time) / 1000.0 - epoch_ms(start_time) / 1000.0 as duration_s
    , version
    , outcome
    , country
    , touchpoint_count
    , late_count
    , len(list_distinct(channels))::integer as channel_count
    , channels
    , to_json(identifiers) as identifiers
    , updated_time
    , now() as loaded_at
from batch_changed_journeys
on conflict (journey_id) do update set
      customer_id = excluded.customer_id
    , kind = excluded.kind
    , status = excluded.status
    , close_reason = excluded.close_reason
    , merged_into = excluded.merged_into
    , start_time = excluded.start_time
    , end_time = excluded.end_time
    , duration_s = excluded.duration_s
    , version = excluded.version
    , outcome = excluded.outcome
    , country = excluded.country
    , touchpoint_count = excluded.touchpoint_count
    , late_count = excluded.late_count
    , channel_count = excluded.channel_count
    , channels = excluded.channels
    , identifiers = excluded.identifiers
    , updated_time = excluded.updated_time
    , loaded_at = excluded.loaded_at;

-- section: membership of the latest version replaces the stored one (position = order in the record)
delete from journey_touchpoints
where journey_id in (select journey_id from batch_changed_journeys);

insert into journey_touchpoints by name
select
      journey_id
    , position::integer as position
    , tp.event_id
    , tp.event_time
    , tp.channel
    , tp.event_type
    , tp.session_id
    , tp.late
    , tp.page
    , tp.step
    , tp.intent
    , tp.outcome
    , tp.error_code
    , tp.latency_ms
    , tp.duration_ms
    , tp.survey_kind
    , tp.survey_score
from (
    select journey_id, unnest(touchpoints) as tp, unnest(generate_series(1, len(touchpoints))) as position
    from batch_changed_journeys
);

-- section: identifiers seen on a journey join the identity map (merges, not journeys, move them later)
insert into identities by name
select id_type, id_value, customer_id, min(start_time) as first_seen, max(end_time) as last_seen
from (
    select customer_id, start_time, end_time, unnest(identifiers, recursive := true)
    from batch_changed_journeys
    where status <> 'merged'
) ids (customer_id, start_time, end_time, id_type, id_value)
group by id_type, id_value, customer_id
qualify row_number() over (partition by id_type, id_value order by max(end_time) desc) = 1
on conflict (id_type, id_value) do update set
      first_seen = least(identities.first_seen, excluded.first_seen)
    , last_seen = greatest(identities.last_seen, excluded.last_seen);

-- section: the work queue of the friction and score flows
insert into journey_changes by name
select journey_id, now() as changed_at
from batch_changed_journeys
on conflict (journey_id) do update set changed_at = excluded.changed_at;

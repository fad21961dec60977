-- failed: dead letters of the simulation's invalid events (matched by the event id in the payload)
with letters as (
    select case when json_valid(fe.payload) then json_extract_string(fe.payload, '$.event_id') end as event_id
    from failed_events as fe
)

select count(distinct l.event_id) as dead_lettered
from letters as l
where l.event_id in (select event_id from sim_invalid)

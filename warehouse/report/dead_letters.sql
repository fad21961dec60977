-- dead_letters: rejected input (latest attempt of each dead letter) by error kind and source
with latest as (
    select dead_letter_id, arg_max(error_kind, replay_count) as error_kind, arg_max(source, replay_count) as source
    from failed_events
    group by dead_letter_id
)
select error_kind, source, count(*) as dead_letters
from latest
group by error_kind, source
order by dead_letters desc, error_kind, source

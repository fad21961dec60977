-- failed_events: dead letters and records the loader could not decode, for analysts.
-- reads: staged_failed (failed_events columns but loaded_at); a dead letter loaded twice is kept once

insert into failed_events by name
select *, now() as loaded_at
from staged_failed
qualify row_number() over (partition by dead_letter_id, replay_count order by error_time desc) = 1
on conflict do nothing;

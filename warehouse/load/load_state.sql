-- load_state: the next offset to read per partition, in the same transaction as the rows.
-- reads: staged_offsets (topic, partition, next_offset)

insert into load_state by name
select topic, partition, next_offset, now() as updated_at
from staged_offsets
on conflict (topic, partition) do update set
      next_offset = excluded.next_offset
    , updated_at = excluded.updated_at;

-- dedupe_touchpoints: one row per event id of the staged batch, the newest stitch (then the later
-- offset) winning. Run by the loader before the steps, and only when an event id occurs twice in
-- the batch (a touchpoint re-stitched within it): checking costs ~0.03 s per 200k touchpoints,
-- the window below ~0.8 s.
-- reads: staged_touchpoints
select *
from staged_touchpoints
qualify row_number() over (partition by event_id order by stitched_time desc, _offset desc) = 1

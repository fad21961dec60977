-- membership: a touchpoint belongs to the (non-merged) journey whose latest version lists it.
-- Re-attributes the touchpoints of journeys changed in this batch and the batch's new touchpoints.
-- reads: batch_changed_journeys, batch_touchpoints

update touchpoints
set journey_id = m.journey_id
  , customer_id = m.customer_id
from (
    select jt.event_id, j.journey_id, j.customer_id
    from journey_touchpoints jt
    join journeys j using (journey_id)
    where j.status <> 'merged'
      and (
          jt.journey_id in (select journey_id from batch_changed_journeys)
          or jt.event_id in (select event_id from batch_touchpoints)
      )
    qualify row_number() over (partition by jt.event_id order by j.updated_time desc, j.journey_id) = 1
) m
where touchpoints.event_id = m.event_id
  and (touchpoints.journey_id <> m.journey_id or touchpoints.customer_id <> m.customer_id);

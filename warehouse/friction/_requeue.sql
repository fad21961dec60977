-- _requeue: journeys outside journey_changes whose friction points this run changed (a later journey
-- a cross-journey rule now fires on, or no longer does) join the work queue, so the score flow
-- rescores them. They take the queue's newest changed_at, so the pipeline clears them with the rest.
insert into journey_changes (journey_id, changed_at)
select journey_id, (select max(changed_at) from journey_changes)
from (
    select journey_id from friction_gone
    union
    select journey_id from friction_new
)
where journey_id not in (select journey_id from journey_changes)
  and exists (select 1 from journey_changes)

-- _scope_ids: the journeys a friction or score run reworks (not a rule: the flows create it first).
-- $changed_only: the journeys in journey_changes, plus the later journeys of the same customers that
-- started within $lookback_s after a changed one (a cross-journey rule such as repeat_contact fires on
-- the later journey, so a change to an earlier one can change it); else every journey.
create or replace temp table scope_ids as
select journey_id
from journeys
where not $changed_only

union

select journey_id
from journey_changes
where $changed_only

union

select later.journey_id
from journey_changes as c
join journeys as changed on changed.journey_id = c.journey_id
join journeys as later
  on later.customer_id = changed.customer_id
 and later.start_time > changed.start_time
 and later.start_time <= changed.end_time + to_seconds($lookback_s)
where $changed_only
  and $lookback_s > 0

-- identity: store the batch's identity links; merged links move identifiers and older, closed
-- journeys (and their touchpoints) to the canonical customer.
-- reads: staged_links (IdentityLink fields), batch_changed_journeys; writes customer_merges and the
-- temp table batch_reattributed_journeys

-- section: every link, merge and refusal; a re-sent link keeps its latest observation
insert into identity_links by name
select
      link_id
    , kind
    , left_type
    , left_value
    , right_type
    , right_value
    , source
    , event_id
    , observed_time
    , canonical_id
    , reason
    , now() as loaded_at
from staged_links
qualify row_number() over (partition by link_id, kind order by observed_time desc) = 1
on conflict (link_id, kind) do update set
      left_type = excluded.left_type
    , left_value = excluded.left_value
    , right_type = excluded.right_type
    , right_value = excluded.right_value
    , source = excluded.source
    , event_id = excluded.event_id
    , observed_time = excluded.observed_time
    , canonical_id = excluded.canonical_id
    , reason = excluded.reason
    , loaded_at = excluded.loaded_at;

-- section: the identifiers of this batch's merges, each with its newest canonical customer
create or replace temp table batch_merges as
select id_type, id_value, canonical_id, observed_time
from (
    select left_type as id_type, left_value as id_value, canonical_id, observed_time
    from staged_links where kind = 'merged' and canonical_id is not null
    union all
    select right_type, right_value, canonical_id, observed_time
    from staged_links where kind = 'merged' and canonical_id is not null
)
qualify row_number() over (partition by id_type, id_value order by observed_time desc) = 1;

-- section: customers replaced by a merge: those the merged identifiers belonged to until now
create or replace temp table batch_replaced_customers as
select old_customer_id, canonical_id
from (
    select i.customer_id as old_customer_id, m.canonical_id, m.observed_time
    from identities i
    join batch_merges m using (id_type, id_value)
    where i.customer_id <> m.canonical_id
)
qualify row_number() over (partition by old_customer_id order by observed_time desc, canonical_id) = 1;

-- section: the identity map follows the merge
update identities
set customer_id = r.canonical_id
from batch_replaced_customers r
where identities.customer_id = r.old_customer_id;

insert into identities by name
select id_type, id_value, canonical_id as customer_id, observed_time as first_seen, observed_time as last_seen
from batch_merges
on conflict (id_type, id_value) do update set
      customer_id = excluded.customer_id
    , first_seen = least(identities.first_seen, excluded.first_seen)
    , last_seen = greatest(identities.last_seen, excluded.last_seen);

-- section: remember who replaced whom (chains collapsed to one hop; a customer merged into again is live)
delete from customer_merges
where old_customer_id in (select canonical_id from batch_replaced_customers);

update customer_merges
set canonical_id = r.canonical_id
from batch_replaced_customers r
where customer_merges.canonical_id = r.old_customer_id;

insert into customer_merges by name
select old_customer_id, canonical_id, now() as merged_at
from batch_replaced_customers
on conflict (old_customer_id) do update set
      canonical_id = excluded.canonical_id
    , merged_at = excluded.merged_at;

-- section: closed journeys of a replaced customer now belong to the canonical one: those stored
-- before, and those of this batch that the stitcher emitted before a merge loaded earlier
-- (open journeys are re-emitted by the stitcher with the new customer)
create or replace temp table batch_reattributed_journeys as
select journey_id, canonical_id
from (
    select j.journey_id, r.canonical_id
    from journeys j
    join batch_replaced_customers r on j.customer_id = r.old_customer_id
    where j.status = 'closed'
    union all
    select j.journey_id, m.canonical_id
    from journeys j
    join customer_merges m on m.old_customer_id = j.customer_id
    where j.status = 'closed'
      and j.journey_id in (select journey_id from batch_changed_journeys)
)
qualify row_number() over (partition by journey_id order by canonical_id) = 1;

update journeys
set customer_id = r.canonical_id
from batch_reattributed_journeys r
where journeys.journey_id = r.journey_id;

update touchpoints
set customer_id = r.canonical_id
from journey_touchpoints jt
join batch_reattributed_journeys r using (journey_id)
where touchpoints.event_id = jt.event_id;

insert into journey_changes by name
select journey_id, now() as changed_at
from batch_reattributed_journeys
on conflict (journey_id) do update set changed_at = excluded.changed_at;

-- 011_customer_merges: which customer an identity merge replaced, by which one.
--
-- The loader applies a merge to the closed journeys already stored; a closed journey that the
-- stitcher emitted before the merge but that reaches the warehouse after it (the journeys and
-- identity topics are read side by side) carries the replaced customer. This table lets the
-- loader move it too. Chains are kept one hop deep: when B is merged into C, every row that
-- pointed at B points at C.

create table if not exists customer_merges (
      old_customer_id     varchar primary key
    , canonical_id        varchar not null
    , merged_at           timestamptz not null
);

comment on table customer_merges is 'Customers replaced by an identity merge and the canonical customer that replaced them (one hop: chains are collapsed), so journeys loaded after the merge are re-attributed too.';
comment on column customer_merges.old_customer_id is 'The customer id a merge replaced.';
comment on column customer_merges.canonical_id is 'The customer it belongs to now (the end of any chain of merges).';
comment on column customer_merges.merged_at is 'When the loader applied the merge (UTC).';

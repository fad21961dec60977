-- 001_core: the warehouse's core tables.
--
-- This file is the contract between the loader (flows/load), the friction and score
-- flows, `journeys evaluate` and the report. Later migrations may ADD tables and
-- columns; they never rename or drop what is here. Version ranges: 010-049 load and
-- quality (flows/load, flows/quality), 050-089 friction, scores and analyst views.
--
-- Times are TIMESTAMPTZ in UTC. Ids are VARCHAR. "customer_id" is always the
-- stitcher's canonical customer; the id the app sent is "event_customer_id".

-- touchpoints: one row per stitched touchpoint (the stitched topic), latest attribution wins
create table if not exists touchpoints (
      event_id            varchar primary key
    , customer_id         varchar not null
    , journey_id          varchar not null
    , session_id          varchar not null
    , event_time          timestamptz not null
    , received_time       timestamptz not null
    , stitched_time       timestamptz not null
    , source              varchar not null
    , channel             varchar not null
    , event_type          varchar not null
    , late                boolean not null
    , anonymous_id        varchar
    , event_customer_id   varchar
    , email_hash          varchar
    , phone_hash          varchar
    , device_id           varchar
    , country             varchar
    , locale              varchar
    , device_type         varchar
    , campaign_source     varchar
    , duration_ms         bigint
    , latency_ms          bigint
    , error_code          varchar
    , page                varchar
    , step                varchar
    , target              varchar
    , intent              varchar
    , outcome             varchar
    , conversation_id     varchar
    , agent_id            varchar
    , order_id            varchar
    , value               double
    , currency            varchar
    , survey_kind         varchar
    , survey_score        double
    , properties          json
    , loaded_at           timestamptz not null
);

-- journeys: the latest version of each journey (the journeys topic)
create table if not exists journeys (
      journey_id          varchar primary key
    , customer_id         varchar not null
    , kind                varchar not null
    , status              varchar not null   -- open, closed, merged
    , close_reason        varchar            -- outcome, inactivity, max_length, merged
    , merged_into         varchar
    , start_time          timestamptz not null
    , end_time            timestamptz not null
    , duration_s          double not null
    , version             integer not null
    , outcome             varchar
    , country             varchar
    , touchpoint_count    integer not null
    , late_count          integer not null
    , channel_count       integer not null
    , channels            varchar[] not null -- in order of first use
    , identifiers         json not null      -- [{"type": ..., "value": ...}]
    , updated_time        timestamptz not null
    , loaded_at           timestamptz not null
);

-- journey_versions: every version ever loaded (traceability of re-emitted journeys)
create table if not exists journey_versions (
      journey_id          varchar not null
    , version             integer not null
    , customer_id         varchar not null
    , status              varchar not null
    , touchpoint_count    integer not null
    , updated_time        timestamptz not null
    , loaded_at           timestamptz not null
    , primary key (journey_id, version)
);

-- journey_touchpoints: membership and order of touchpoints in the latest journey version
create table if not exists journey_touchpoints (
      journey_id          varchar not null
    , position            integer not null   -- 1-based, by event time
    , event_id            varchar not null
    , event_time          timestamptz not null
    , channel             varchar not null
    , event_type          varchar not null
    , session_id          varchar not null
    , late                boolean not null
    , page                varchar
    , step                varchar
    , intent              varchar
    , outcome             varchar
    , error_code          varchar
    , latency_ms          bigint
    , duration_ms         bigint
    , survey_kind         varchar
    , survey_score        double
    , primary key (journey_id, position)
);

-- identity_links: every link, merge and refusal the stitcher published (the identity topic)
create table if not exists identity_links (
      link_id             varchar not null
    , kind                varchar not null   -- observed, merged, refused, split
    , left_type           varchar not null
    , left_value          varchar not null
    , right_type          varchar not null
    , right_value         varchar not null
    , source              varchar not null
    , event_id            varchar
    , observed_time       timestamptz not null
    , canonical_id        varchar
    , reason              varchar
    , loaded_at           timestamptz not null
    , primary key (link_id, kind)
);

-- identities: the identity map, one row per identifier, to re-attribute older journeys
create table if not exists identities (
      id_type             varchar not null
    , id_value            varchar not null
    , customer_id         varchar not null
    , first_seen          timestamptz not null
    , last_seen           timestamptz not null
    , primary key (id_type, id_value)
);

-- failed_events: what the dead-letter topic holds, for analysts
create table if not exists failed_events (
      dead_letter_id      varchar not null
    , replay_count        integer not null
    , source              varchar not null
    , error_kind          varchar not null
    , field               varchar
    , message             varchar not null
    , content_type        varchar not null
    , payload             varchar not null   -- the original payload as text (JSON as received)
    , error_time          timestamptz not null
    , original_topic      varchar
    , original_partition  integer
    , original_offset     bigint
    , loaded_at           timestamptz not null
    , primary key (dead_letter_id, replay_count)
);

-- friction_points: one row per rule that fired on a journey
create table if not exists friction_points (
      journey_id          varchar not null
    , rule                varchar not null   -- the rule's name in warehouse/friction_rules.yaml
    , severity            varchar not null   -- low, medium, high
    , touchpoint_ids      varchar[] not null -- the evidence: event ids
    , channel             varchar            -- channel of the first evidence touchpoint
    , step                varchar            -- page or step of the first evidence touchpoint
    , detail              varchar            -- human-readable: what was seen
    , detected_at         timestamptz not null
    , primary key (journey_id, rule)
);

-- journey_scores: the experience score (0-100) and its explainable components
create table if not exists journey_scores (
      journey_id          varchar primary key
    , score               double not null    -- 0 (worst) to 100 (best)
    , outcome_points      double not null
    , effort_points       double not null
    , friction_points     double not null    -- the penalty, <= 0
    , sentiment_points    double not null
    , components          json not null      -- every input and weight behind the points
    , weights_version     varchar not null
    , scored_at           timestamptz not null
);

-- load_state: consumed offsets, written in the same transaction as the rows they carried
create table if not exists load_state (
      topic               varchar not null
    , partition           integer not null
    , next_offset         bigint not null
    , updated_at          timestamptz not null
    , primary key (topic, partition)
);

-- dq_results: the outcome of every data-quality check of every run
create table if not exists dq_results (
      run_id              varchar not null
    , check_name          varchar not null
    , status              varchar not null   -- pass, warn, fail
    , observed            double
    , threshold           double
    , message             varchar not null
    , checked_at          timestamptz not null
    , primary key (run_id, check_name)
);

-- journey_changes: journeys the loader added or changed since friction and scores last ran
-- (the work queue of the incremental flows; the parent flow empties it after scoring)
create table if not exists journey_changes (
      journey_id          varchar primary key
    , changed_at          timestamptz not null
);

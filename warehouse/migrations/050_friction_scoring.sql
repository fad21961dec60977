-- 050_friction_scoring: tables of the friction and score flows (flows/friction.py, flows/scoring.py).

-- channel_preferences: share of customers preferring a channel, per country
-- (warehouse/channel_preferences.csv, copied here by the friction flow on every run)
create table if not exists channel_preferences (
      country             varchar not null
    , channel             varchar not null
    , share               double not null    -- 0-1
    , source              varchar            -- where the figure comes from
    , primary key (country, channel)
);
comment on table channel_preferences is 'Share of customers preferring each channel, per country (warehouse/channel_preferences.csv); off_preference_channel reads it';
comment on column channel_preferences.country is 'ISO 3166-1 alpha-2 country code';
comment on column channel_preferences.channel is 'Channel, as in touchpoints.channel';
comment on column channel_preferences.share is 'Share of the country''s customers preferring the channel, 0-1; a channel not listed for a listed country counts as 0';
comment on column channel_preferences.source is 'Where the figure comes from (a seed article, or estimate)';

-- journey_effort: effort measures of each journey, the inputs of the score's effort points
create table if not exists journey_effort (
      journey_id          varchar primary key
    , kind                varchar not null
    , status              varchar not null
    , touchpoints         integer not null
    , channel_switches    integer not null
    , duration_s          double not null
    , measured_at         timestamptz not null
);
comment on table journey_effort is 'Effort measures of each scored journey; the typical values per kind (journey_norms) are their medians';
comment on column journey_effort.journey_id is 'The journey (journeys.journey_id)';
comment on column journey_effort.kind is 'The journey''s kind (purchase, support, onboarding, billing, browse, other)';
comment on column journey_effort.status is 'The journey''s status when measured (open, closed)';
comment on column journey_effort.touchpoints is 'Number of touchpoints in the journey';
comment on column journey_effort.channel_switches is 'Times the channel changed from one touchpoint to the next';
comment on column journey_effort.duration_s is 'Seconds from the first to the last touchpoint';
comment on column journey_effort.measured_at is 'When the score flow measured it';

-- journey_norms: what a typical journey of each kind takes (medians over journey_effort)
create table if not exists journey_norms (
      kind                varchar primary key -- '*' is every kind together (the fallback for rare kinds)
    , journeys            bigint not null
    , touchpoints         double not null
    , channel_switches    double not null
    , duration_s          double not null
    , computed_at         timestamptz not null
);
comment on table journey_norms is 'Typical effort per journey kind: medians over closed journeys (kind * = all kinds, used for kinds with too few journeys)';
comment on column journey_norms.kind is 'Journey kind, or * for all kinds together';
comment on column journey_norms.journeys is 'Closed journeys behind the medians';
comment on column journey_norms.touchpoints is 'Median touchpoints per journey';
comment on column journey_norms.channel_switches is 'Median channel switches per journey';
comment on column journey_norms.duration_s is 'Median duration in seconds';
comment on column journey_norms.computed_at is 'When the score flow computed them';

-- 052_friction_rules: the rule catalogue the last friction run used, readable in SQL

create table if not exists friction_rules (
      rule                varchar primary key
    , description         varchar not null
    , severity            varchar not null   -- low, medium, high
    , enabled             boolean not null
    , parameters          json not null
    , sql_path            varchar not null
    , catalogue_version   varchar not null
    , synced_at           timestamptz not null
);
comment on table friction_rules is 'The friction rule catalogue (warehouse/friction_rules.yaml) as of the last friction run: join friction_points on rule';
comment on column friction_rules.rule is 'Rule name (friction_points.rule)';
comment on column friction_rules.description is 'What the rule detects';
comment on column friction_rules.severity is 'low, medium or high: the weight of its score penalty (warehouse/scoring.yaml)';
comment on column friction_rules.enabled is 'Whether the last run ran it';
comment on column friction_rules.parameters is 'Its parameters as bound into its SQL (times: *_ms milliseconds, *_s seconds)';
comment on column friction_rules.sql_path is 'Its SQL file, relative to the catalogue';
comment on column friction_rules.catalogue_version is 'Short hash of every enabled rule''s parameters and SQL';
comment on column friction_rules.synced_at is 'When the friction run that wrote it started';

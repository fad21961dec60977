-- 051_scoring_configs: every score configuration ever used, so a score's weights_version explains itself

create table if not exists scoring_configs (
      weights_version     varchar primary key
    , config              json not null
    , first_used_at       timestamptz not null
);
comment on table scoring_configs is 'Every warehouse/scoring.yaml content the score flow used, by weights_version (join journey_scores on it)';
comment on column scoring_configs.weights_version is 'Short hash of the configuration (journey_scores.weights_version)';
comment on column scoring_configs.config is 'The configuration as JSON: outcome shares, effort measures, sentiment scales, severity weights';
comment on column scoring_configs.first_used_at is 'When a score run first used it';

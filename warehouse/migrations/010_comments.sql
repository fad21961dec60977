-- 010_comments: a description of every core table and column, so `describe` and
-- duckdb_columns() explain the warehouse (select table_name, column_name, comment
-- from duckdb_columns() where not internal).

-- section: touchpoints
comment on table touchpoints is 'One row per stitched touchpoint (the stitched topic), upserted by event_id; the newest stitch wins and later journey versions or identity merges re-attribute it.';
comment on column touchpoints.event_id is 'UUID of the event, as the producer sent it; the dedup key.';
comment on column touchpoints.customer_id is 'Canonical customer (the stitcher''s, re-attributed by identity merges).';
comment on column touchpoints.journey_id is 'Journey the touchpoint belongs to (the latest non-merged journey version that lists it).';
comment on column touchpoints.session_id is 'Session within the channel (a gap of inactivity starts a new one).';
comment on column touchpoints.event_time is 'When it happened, on the device or system that saw it (UTC).';
comment on column touchpoints.received_time is 'When the SDK or collector received it (UTC).';
comment on column touchpoints.stitched_time is 'When the stitcher processed it (UTC); the newest stitch of an event wins.';
comment on column touchpoints.source is 'The app or source that sent it (the write key''s source name).';
comment on column touchpoints.channel is 'Channel of the touchpoint: web, app, email, call, chat, store, ...';
comment on column touchpoints.event_type is 'What happened: page_view, click, purchase, contact, survey_response, ...';
comment on column touchpoints.late is 'True when it arrived after later events of its customer had been stitched.';
comment on column touchpoints.anonymous_id is 'Browser or app-install id before login, as sent.';
comment on column touchpoints.event_customer_id is 'The brand''s customer id as the app sent it (null when unknown); customer_id is the canonical one.';
comment on column touchpoints.email_hash is 'sha256 hex of the trimmed, lower-cased email address.';
comment on column touchpoints.phone_hash is 'sha256 hex of + and the digits of the phone number.';
comment on column touchpoints.device_id is 'Device id (survives app re-installs).';
comment on column touchpoints.country is 'ISO 3166-1 alpha-2 country code from the event context.';
comment on column touchpoints.locale is 'BCP 47 locale of the user (e.g. de-DE).';
comment on column touchpoints.device_type is 'desktop, mobile, tablet, tv, ... as reported by the SDK.';
comment on column touchpoints.campaign_source is 'utm_source of the visit.';
comment on column touchpoints.duration_ms is 'How long the interaction took (page dwell, call, video), in ms.';
comment on column touchpoints.latency_ms is 'How long the customer waited (page load, queue, reply), in ms.';
comment on column touchpoints.error_code is 'Error code shown or returned (e.g. HTTP 500, PAYMENT_DECLINED).';
comment on column touchpoints.page is 'Page, screen or URL path.';
comment on column touchpoints.step is 'Funnel or form step (e.g. shipping, payment).';
comment on column touchpoints.target is 'The element clicked or tapped.';
comment on column touchpoints.intent is 'Why the customer is here: purchase, support, onboarding, billing, ...';
comment on column touchpoints.outcome is 'How it ended: success, failure, abandoned, ...';
comment on column touchpoints.conversation_id is 'Id of the chat, call, ticket or message thread.';
comment on column touchpoints.agent_id is 'Id of the human agent handling a contact.';
comment on column touchpoints.order_id is 'Id of the order (purchase, cancellation, refund).';
comment on column touchpoints.value is 'Monetary value of the event, in currency.';
comment on column touchpoints.currency is 'ISO 4217 currency code (e.g. EUR).';
comment on column touchpoints.survey_kind is 'Kind of survey answered: csat (1-5), nps (0-10), ces (1-7).';
comment on column touchpoints.survey_score is 'Score given in the survey.';
comment on column touchpoints.properties is 'Anything else the app sent, as a JSON object of strings (null when empty).';
comment on column touchpoints.loaded_at is 'When the warehouse loader wrote this version of the row (UTC).';

-- section: journeys
comment on table journeys is 'The latest version of each journey (the journeys topic): a customer''s path towards one goal. Every version is kept in journey_versions.';
comment on column journeys.journey_id is 'Deterministic id of the journey (customer and first event).';
comment on column journeys.customer_id is 'Canonical customer (re-attributed when an identity merge joins customers).';
comment on column journeys.kind is 'purchase, support, onboarding, billing, browse or other.';
comment on column journeys.status is 'open, closed or merged (merged: its touchpoints moved to merged_into).';
comment on column journeys.close_reason is 'Why it closed: outcome, inactivity, max_length or merged.';
comment on column journeys.merged_into is 'Journey id it was merged into (status merged).';
comment on column journeys.start_time is 'Event time of the first touchpoint (UTC).';
comment on column journeys.end_time is 'Event time of the last touchpoint (UTC).';
comment on column journeys.duration_s is 'end_time - start_time, in seconds.';
comment on column journeys.version is 'Version of the record; grows by one on each re-emission, the highest wins.';
comment on column journeys.outcome is 'Outcome of the journey: success, failure, abandoned, ...';
comment on column journeys.country is 'ISO 3166-1 alpha-2 country of the customer, if known.';
comment on column journeys.touchpoint_count is 'Number of touchpoints in the latest version.';
comment on column journeys.late_count is 'Number of its touchpoints that arrived late.';
comment on column journeys.channel_count is 'Number of distinct channels used.';
comment on column journeys.channels is 'Channels in order of first use.';
comment on column journeys.identifiers is 'Every identifier known for the customer, as JSON [{"type": ..., "value": ...}].';
comment on column journeys.updated_time is 'When the stitcher emitted this version (UTC).';
comment on column journeys.loaded_at is 'When the warehouse loader wrote this version (UTC).';

-- section: journey_versions
comment on table journey_versions is 'Every journey version ever loaded, for tracing how a journey changed (re-opened, merged, re-attributed).';
comment on column journey_versions.journey_id is 'The journey.';
comment on column journey_versions.version is 'The version number (the journeys table holds the highest).';
comment on column journey_versions.customer_id is 'Customer of this version.';
comment on column journey_versions.status is 'open, closed or merged, as of this version.';
comment on column journey_versions.touchpoint_count is 'Touchpoints in this version.';
comment on column journey_versions.updated_time is 'When the stitcher emitted this version (UTC).';
comment on column journey_versions.loaded_at is 'When the loader first wrote this version (UTC).';

-- section: journey_touchpoints
comment on table journey_touchpoints is 'Membership and order of the touchpoints in the latest version of each journey (replaced when a newer version arrives).';
comment on column journey_touchpoints.journey_id is 'The journey.';
comment on column journey_touchpoints.position is '1-based position in the journey, by event time.';
comment on column journey_touchpoints.event_id is 'The touchpoint (touchpoints.event_id).';
comment on column journey_touchpoints.event_time is 'When it happened (UTC).';
comment on column journey_touchpoints.channel is 'Its channel.';
comment on column journey_touchpoints.event_type is 'What happened.';
comment on column journey_touchpoints.session_id is 'Session within the channel.';
comment on column journey_touchpoints.late is 'True when it arrived late.';
comment on column journey_touchpoints.page is 'Page, screen or URL path.';
comment on column journey_touchpoints.step is 'Funnel or form step.';
comment on column journey_touchpoints.intent is 'Why the customer was there.';
comment on column journey_touchpoints.outcome is 'How it ended.';
comment on column journey_touchpoints.error_code is 'Error code shown or returned.';
comment on column journey_touchpoints.latency_ms is 'How long the customer waited, in ms.';
comment on column journey_touchpoints.duration_ms is 'How long it took, in ms.';
comment on column journey_touchpoints.survey_kind is 'Kind of survey answered.';
comment on column journey_touchpoints.survey_score is 'Score given.';

-- section: identity_links
comment on table identity_links is 'Every identity link, merge and refusal the stitcher published (the identity topic), latest observation per link and kind.';
comment on column identity_links.link_id is 'Deterministic hash of the sorted (type, value) pair.';
comment on column identity_links.kind is 'observed (seen together), merged (now one customer), refused (not linked, see reason) or split (undone).';
comment on column identity_links.left_type is 'Type of the first (stronger) identifier: customer_id, email_hash, phone_hash, device_id, anonymous_id.';
comment on column identity_links.left_value is 'Value of the first identifier.';
comment on column identity_links.right_type is 'Type of the second identifier.';
comment on column identity_links.right_value is 'Value of the second identifier.';
comment on column identity_links.source is 'What produced the link: identify, alias, event or stitcher.';
comment on column identity_links.event_id is 'The touchpoint that showed the link, if any.';
comment on column identity_links.observed_time is 'Event time of the observation (UTC).';
comment on column identity_links.canonical_id is 'The customer both identifiers now belong to (merged links).';
comment on column identity_links.reason is 'Why the link was merged or refused (e.g. placeholder id, too many links).';
comment on column identity_links.loaded_at is 'When the loader wrote it (UTC).';

-- section: identities
comment on table identities is 'The identity map: each identifier and the canonical customer it belongs to now; merges move identifiers and older journeys to the canonical customer.';
comment on column identities.id_type is 'customer_id, email_hash, phone_hash, device_id or anonymous_id.';
comment on column identities.id_value is 'The identifier''s value (hashes for email and phone).';
comment on column identities.customer_id is 'The canonical customer it belongs to.';
comment on column identities.first_seen is 'Earliest time it was seen (journey start or link observation, UTC).';
comment on column identities.last_seen is 'Latest time it was seen (UTC).';

-- section: failed_events
comment on table failed_events is 'Rejected input, for analysts: dead-lettered events (the dead-letter topic) and records the warehouse loader could not decode (error_kind decode, source warehouse-loader).';
comment on column failed_events.dead_letter_id is 'UUID of the dead letter (stable across replays); for undecodable records, derived from topic[partition]@offset.';
comment on column failed_events.replay_count is 'How many times a replay tried it again (0: the first rejection).';
comment on column failed_events.source is 'Which producer, collector or write key sent it (warehouse-loader for undecodable records).';
comment on column failed_events.error_kind is 'validation, decode, schema, oversize, unknown_source or other.';
comment on column failed_events.field is 'Dotted path of the first bad field, if one.';
comment on column failed_events.message is 'The reason, with every problem found.';
comment on column failed_events.content_type is 'Media type of the payload: application/json, avro/binary, ...';
comment on column failed_events.payload is 'The original payload as text (JSON as received); base64: and its base64 when not UTF-8.';
comment on column failed_events.error_time is 'When it was rejected (UTC).';
comment on column failed_events.original_topic is 'Topic it was read from, if it came from Kafka.';
comment on column failed_events.original_partition is 'Partition it was read from.';
comment on column failed_events.original_offset is 'Offset it was read from.';
comment on column failed_events.loaded_at is 'When the loader wrote it (UTC).';

-- section: friction_points
comment on table friction_points is 'One row per friction rule that fired on a journey (warehouse/friction_rules.yaml), with the touchpoints that prove it.';
comment on column friction_points.journey_id is 'The journey.';
comment on column friction_points.rule is 'The rule''s name in warehouse/friction_rules.yaml.';
comment on column friction_points.severity is 'low, medium or high.';
comment on column friction_points.touchpoint_ids is 'The evidence: event ids of the touchpoints.';
comment on column friction_points.channel is 'Channel of the first evidence touchpoint.';
comment on column friction_points.step is 'Page or step of the first evidence touchpoint.';
comment on column friction_points.detail is 'Human-readable: what was seen.';
comment on column friction_points.detected_at is 'When the friction flow flagged it (UTC).';

-- section: journey_scores
comment on table journey_scores is 'The experience score of each journey (0 worst to 100 best) and the components it is made of (warehouse/scoring.yaml).';
comment on column journey_scores.journey_id is 'The journey.';
comment on column journey_scores.score is 'Experience score from 0 (worst) to 100 (best).';
comment on column journey_scores.outcome_points is 'Points from the journey''s outcome.';
comment on column journey_scores.effort_points is 'Points from effort (duration, touchpoints, channel switches, waiting).';
comment on column journey_scores.friction_points is 'Penalty from friction points (<= 0).';
comment on column journey_scores.sentiment_points is 'Points from survey answers.';
comment on column journey_scores.components is 'Every input and weight behind the points, as JSON.';
comment on column journey_scores.weights_version is 'Version of the score weights used.';
comment on column journey_scores.scored_at is 'When the score flow computed it (UTC).';

-- section: load_state
comment on table load_state is 'The loader''s manifest: the next Kafka offset to read per topic partition, written in the same transaction as the rows it carried (exactly-once load).';
comment on column load_state.topic is 'Kafka topic (with its prefix).';
comment on column load_state.partition is 'Partition number.';
comment on column load_state.next_offset is 'Offset of the next record to load from this partition.';
comment on column load_state.updated_at is 'When the batch that moved it was committed (UTC).';

-- section: dq_results
comment on table dq_results is 'The outcome of every data-quality check of every run (warehouse/quality/).';
comment on column dq_results.run_id is 'The Prefect flow run id (or the id given to the run).';
comment on column dq_results.check_name is 'The check (warehouse/quality/<check_name>.sql).';
comment on column dq_results.status is 'pass, warn or fail.';
comment on column dq_results.observed is 'The value the check measured (null: not evaluated yet).';
comment on column dq_results.threshold is 'The bound it crossed, else its fail bound.';
comment on column dq_results.message is 'What the check saw, in words.';
comment on column dq_results.checked_at is 'When the check ran (UTC).';

-- section: journey_changes
comment on table journey_changes is 'The work queue of the incremental flows: journeys the loader inserted, changed or re-attributed since friction and scores last ran; the pipeline empties it after both ran.';
comment on column journey_changes.journey_id is 'The journey to rework.';
comment on column journey_changes.changed_at is 'When the loader last changed it (UTC).';

-- section: schema_migrations
comment on table schema_migrations is 'The migrations applied to this warehouse (warehouse/migrations/NNN_name.sql), each once, with the checksum of its file.';
comment on column schema_migrations.version is 'The migration''s number (NNN of its file name).';
comment on column schema_migrations.name is 'The migration''s file name.';
comment on column schema_migrations.checksum is 'sha256 prefix of the file as applied; an edited applied migration is refused.';
comment on column schema_migrations.applied_at is 'When it was applied (UTC).';

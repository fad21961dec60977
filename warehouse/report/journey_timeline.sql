-- journey_timeline: the touchpoints of the given journeys (? = a list of journey ids), in order
select
      journey_id
    , position
    , event_id
    , event_time
    , channel
    , event_type
    , page
    , step
    , intent
    , outcome
    , error_code
    , latency_ms
    , survey_kind
    , survey_score
from journey_touchpoints
where journey_id in (select unnest(?::varchar[]))
order by journey_id, position

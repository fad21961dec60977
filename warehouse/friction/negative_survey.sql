-- negative_survey: a survey_response scoring at or below its kind's bound ($max_negative_score:
-- csat 1-5, nps 0-10, ces 1-7 with 7 = very easy)
-- evidence: every negative answer

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(coalesce(step, page), position) as step
     , format('negative {}', string_agg(format('{} {}', survey_kind, survey_score), ', ' order by position)) as detail
from scope_touchpoints
where event_type = 'survey_response'
  and survey_score <= $max_negative_score[survey_kind]
group by journey_id

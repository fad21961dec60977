-- rage_click: >= $min_clicks clicks on the same target of the same page within $window_ms, on $channels
-- evidence: every click of each burst

-- section: clicks with their target (the membership table lacks it)
with clicks as (
    select s.journey_id
         , s.position
         , s.event_id
         , s.event_time
         , s.channel
         , s.page
         , t.target
    from scope_touchpoints as s
    join touchpoints as t on t.event_id = s.event_id
    where s.event_type = 'click'
      and list_contains($channels, s.channel)
      and t.target is not null
)

-- section: a click opens a burst when enough clicks on its target follow within the window
, bursts as (
    select journey_id, page, target, event_time as burst_start
    from (
        select journey_id, page, target, event_time
             , count(*) over (
                   partition by journey_id, page, target order by event_time
                   range between current row and to_milliseconds($window_ms) following
               ) as clicks_in_window
        from clicks
    )
    where clicks_in_window >= $min_clicks
)

, evidence as (
    select distinct c.journey_id, c.position, c.event_id, c.channel, c.page, c.target
    from clicks as c
    join bursts as b
      on b.journey_id = c.journey_id
     and b.page is not distinct from c.page
     and b.target = c.target
     and c.event_time between b.burst_start and b.burst_start + to_milliseconds($window_ms)
)

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(page, position) as step
     , format('{} rapid clicks on `{}`', count(*), arg_min(target, position)) as detail
from evidence
group by journey_id

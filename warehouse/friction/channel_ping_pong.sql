-- channel_ping_pong: the channel sequence (consecutive repeats collapsed) holds X, Y, X, Y within $window_s
-- evidence: the first touchpoint of each of the four runs (first occurrence in the journey)

-- section: runs of one channel, in journeys that can hold four (two channels, four touchpoints)
with runs as (
    select journey_id, position, event_id, event_time, channel, coalesce(step, page) as step
    from scope_touchpoints
    where previous_channel is distinct from channel
      and journey_id in (select journey_id from scope_journeys where channel_count >= 2 and touchpoint_count >= 4)
)

, windows as (
    select journey_id, position, event_id, event_time, channel, step
         , lead(channel, 1) over w as channel_1
         , lead(channel, 2) over w as channel_2
         , lead(channel, 3) over w as channel_3
         , lead(event_time, 3) over w as time_3
         , lead(event_id, 1) over w as event_1
         , lead(event_id, 2) over w as event_2
         , lead(event_id, 3) over w as event_3
    from runs
    window w as (partition by journey_id order by position)
)

select journey_id
     , arg_min([event_id, event_1, event_2, event_3], position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(step, position) as step
     , format('{0}, {1}, {0}, {1}', arg_min(channel, position), arg_min(channel_1, position)) as detail
from windows
where channel_2 = channel
  and channel_3 = channel_1
  and epoch(time_3) - epoch(event_time) <= $window_s
group by journey_id

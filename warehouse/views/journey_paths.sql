-- journey_paths: each journey's channel path, consecutive repeats collapsed (web > voice > web)
create or replace view journey_paths as
with runs as (
    select journey_id, position, channel
    from (
        select journey_id, position, channel
             , lag(channel) over (partition by journey_id order by position) as previous_channel
        from journey_touchpoints
    )
    where previous_channel is distinct from channel
)

select s.journey_id
     , s.kind
     , s.country
     , s.score
     , array_to_string(list(r.channel order by r.position), ' > ') as path
     , count(*) as path_length
from runs as r
join journey_summary as s on s.journey_id = r.journey_id
group by s.journey_id, s.kind, s.country, s.score;

comment on view journey_paths is 'each journey''s channel path, consecutive repeats collapsed (web > voice > web)';

-- volume: touchpoints received in the last window against the mean of the previous windows

-- section: touchpoints per window, counted backwards from now (window 0 is the recent one)
with windows as (
    select
          floor(extract(epoch from (now() - received_time)) / 3600.0 / $window_hours)::integer as window_index
        , count(*) as touchpoints
    from touchpoints
    where received_time > now() - to_hours(($window_hours * ($history_windows + 1))::bigint)
    group by 1
)
-- section: the recent window against the norm (null until at least 3 earlier windows had data)
select
      case when count(*) filter (where window_index > 0) >= 3
           then coalesce(sum(touchpoints) filter (where window_index = 0), 0)
                / (sum(touchpoints) filter (where window_index > 0) / $history_windows)
      end as observed
    , coalesce(sum(touchpoints) filter (where window_index = 0), 0) || ' touchpoints in the last window, '
      || coalesce(round(sum(touchpoints) filter (where window_index > 0) / $history_windows, 1), 0)
      || ' per window before (' || count(*) filter (where window_index > 0) || ' of '
      || $history_windows || ' earlier windows had data)' as detail
from windows

-- dq_results: every check of the ? latest data-quality runs
with runs as (
    select run_id, max(checked_at) as run_time
    from dq_results
    group by run_id
    order by run_time desc
    limit ?
)
select
      d.run_id
    , runs.run_time
    , d.check_name
    , d.status
    , d.observed
    , d.threshold
    , d.message
from dq_results d
join runs on runs.run_id = d.run_id
order by runs.run_time, d.check_name

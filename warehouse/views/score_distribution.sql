-- score_distribution: scored journeys per 10-point score band and kind
create or replace view score_distribution as
with banded as (
    select kind, least(90, floor(score / 10) * 10)::int as band_start
    from journey_summary
    where score is not null
)

select kind
     , band_start
     , format('{}-{}', band_start, band_start + 10) as band
     , count(*) as journeys
     , round(count(*) / sum(count(*)) over (partition by kind), 4) as share_of_kind
from banded
group by kind, band_start;

comment on view score_distribution is 'scored journeys per 10-point score band and kind';

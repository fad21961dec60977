-- score_distribution: how scores spread, per 10-point band and journey kind
select kind, band, journeys, share_of_kind
from score_distribution
order by kind, band_start;

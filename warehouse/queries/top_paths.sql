-- top_paths: the most common channel paths (repeats collapsed) with their average score
select path
     , count(*) as journeys
     , round(avg(score), 1) as avg_score
     , round(count(*) / sum(count(*)) over (), 4) as share
from journey_paths
group by path
order by journeys desc, path
limit 20;

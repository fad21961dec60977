-- identity_links: what the stitcher decided about identifiers, by kind and reason
select
      kind
    , coalesce(reason, '')      as reason
    , count(*)                  as links
from identity_links
group by kind, reason
order by links desc, kind, reason

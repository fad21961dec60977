-- identifiers_per_customer: how many identifiers (device, email, login ids, ...) each customer was stitched from
with per_customer as (
    select customer_id, count(*) as identifiers
    from identities
    group by customer_id
)
select
      least(identifiers, 6)::integer   as identifiers   -- 6 stands for 6 or more
    , count(*)                          as customers
from per_customer
group by all
order by identifiers

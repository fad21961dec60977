-- checkout_abandonment: an event of $cart_event_types with no later one of $purchase_event_types,
-- in a settled journey (closed, or its last touchpoint more than $abandon_after_s older than the newest touchpoint)
-- evidence: the cart and checkout events after the last purchase

with carts as (
    select journey_id
         , max(position) filter (where list_contains($cart_event_types, event_type)) as last_cart
         , coalesce(max(position) filter (where list_contains($purchase_event_types, event_type)), 0) as last_purchase
    from scope_touchpoints
    where list_contains($cart_event_types, event_type)
       or list_contains($purchase_event_types, event_type)
    group by journey_id
)

, abandoned as (
    select c.journey_id, c.last_purchase
    from carts as c
    join scope_journeys as j on j.journey_id = c.journey_id
    where c.last_cart > c.last_purchase
      and (j.status = 'closed' or j.idle_s > $abandon_after_s)
)

select s.journey_id
     , list(s.event_id order by s.position) as touchpoint_ids
     , arg_min(s.channel, s.position) as channel
     , arg_min(coalesce(s.step, s.page), s.position) as step
     , format('{} left without a purchase', string_agg(distinct s.event_type, ', ')) as detail
from abandoned as a
join scope_touchpoints as s
  on s.journey_id = a.journey_id
 and s.position > a.last_purchase
 and list_contains($cart_event_types, s.event_type)
group by s.journey_id

-- checkout_abandonment: an event of $cart_event_types with no later one of $purchase_event_types,
-- in a settled journey (closed, or its last touchpoint more than $abandon_after_s older than the newest touchpoint)
-- evidence: the cart and checkout events after the last purchase

-- section: cart and purchase events with the journey's last purchase (a window, no join back)
with carts as (
    select journey_id, position, event_id, channel, coalesce(step, page) as step, event_type
         , max(position) filter (where list_contains($purchase_event_types, event_type))
               over (partition by journey_id) as last_purchase
    from scope_touchpoints
    where list_contains($cart_event_types, event_type)
       or list_contains($purchase_event_types, event_type)
)

, abandoned as (
    select c.*
    from carts as c
    join scope_journeys as j on j.journey_id = c.journey_id
    where list_contains($cart_event_types, c.event_type)
      and c.position > coalesce(c.last_purchase, 0)
      and (j.status = 'closed' or j.idle_s > $abandon_after_s)
)

select journey_id
     , list(event_id order by position) as touchpoint_ids
     , arg_min(channel, position) as channel
     , arg_min(step, position) as step
     , format('{} left without a purchase', string_agg(distinct event_type, ', ')) as detail
from abandoned
group by journey_id

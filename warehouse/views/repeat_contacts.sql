-- repeat_contacts: contacts per intent and channel, and how many were followed by another contact of the
-- same customer about the same intent within 7 days (the repeat_contact rule's default window)
create or replace view repeat_contacts as
with contacts as (
    select event_id, customer_id, channel, intent, event_time
         , lead(event_time) over (partition by customer_id, intent order by event_time, event_id) as next_time
    from touchpoints
    where event_type = 'contact_started'
      and intent is not null
)

select intent
     , channel
     , count(*) as contacts
     , count(*) filter (where next_time <= event_time + interval 7 day) as repeated_within_7_days
     , round(count(*) filter (where next_time <= event_time + interval 7 day) / count(*), 4) as repeat_contact_rate
from contacts
group by intent, channel;

comment on view repeat_contacts is 'contacts per intent and channel, and how many were followed by another contact of the same customer about the same intent within 7 days';

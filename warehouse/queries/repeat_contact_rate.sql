-- repeat_contact_rate: share of contacts followed by another about the same intent within 7 days
select intent, channel, contacts, repeated_within_7_days, repeat_contact_rate
from repeat_contacts
order by contacts desc, intent, channel;

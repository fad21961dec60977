-- channel_transitions: moves from one channel to the next within journeys (from, to, count)
select from_channel, to_channel, transitions, journeys
from channel_transitions
order by transitions desc, from_channel, to_channel;

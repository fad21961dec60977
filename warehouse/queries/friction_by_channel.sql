-- friction_by_channel: friction points per channel and rule, with the share of the channel's journeys they hit
select channel, rule, severity, friction_points, journeys_on_channel, share_of_channel_journeys
from friction_by_channel
order by friction_points desc, channel, rule;

-- scoring_configs: the score configuration behind each given weights_version (? = a list of versions)
select weights_version, config::varchar as config
from scoring_configs
where weights_version in (select unnest(?::varchar[]))

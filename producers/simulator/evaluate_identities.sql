-- identities: the warehouse customer of each simulated person's identifiers
select
      si.person_id
    , i.customer_id
from sim_identifiers as si
join identities as i
    on i.id_type = si.id_type
    and i.id_value = si.id_value

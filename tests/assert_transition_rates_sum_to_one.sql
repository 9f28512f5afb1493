-- For every as-of date and origin segment, the transition rates to all destinations sum to 1.

select
    from_as_of_date,
    from_segment_id,
    sum(transition_rate) as total_rate
from {{ ref('candidate_segment_transitions') }}
group by from_as_of_date, from_segment_id
having abs(sum(transition_rate) - 1.0) > 1e-9

-- A warning, never a block: segments whose holdout group has fewer than min_holdout_customers
-- customers, too few to measure a campaign's effect on that segment against. With holdout_share 0
-- there is no holdout and nothing to warn about.
{{ config(severity='warn') }}

select
    segment_id,
    segment_name,
    n_customers,
    n_holdout
from {{ ref('candidate_segment_holdout_summary') }}
where
    {{ holdout_threshold() }} > 0
    and is_too_small_to_hold_out

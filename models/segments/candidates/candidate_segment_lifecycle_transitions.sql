-- Candidate for segment_lifecycle_transitions: published only when every test on every candidate
-- passes. One row per pair of consecutive as-of dates per origin lifecycle stage per destination
-- stage (as segment_transitions does for segments): customers moving, and that count as a rate of
-- the origin (rates per origin and date sum to 1). Customers whose first purchase falls between
-- the two dates have no origin and are not counted.

{{ month_transitions('lifecycle_stage', dbt.type_string(), 'is_same_stage') }}

-- Candidate for segment_transitions: published only when every test on every candidate passes.
-- One row per pair of consecutive as-of dates per origin segment per destination segment: how
-- many customers in the origin segment at the earlier date were in the destination segment at
-- the later one, and that count as a rate of the origin (rates per origin and date sum to 1).
-- Customers whose first purchase falls between the two dates have no origin and are not counted.

{{ month_transitions('segment_id', dbt.type_int(), 'is_same_segment') }}

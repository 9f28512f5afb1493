-- Published: the tested candidate_segment_membership, copied once every candidate passed its tests.
-- depends_on: {{ ref('int_publish_gate') }}
-- depends_on: {{ ref('segment_membership_changes') }} (it must read the old membership first)

select * from {{ ref('candidate_segment_membership') }}

-- Published: the tested candidate_segment_outcomes, copied once every candidate passed its tests.
-- depends_on: {{ ref('int_publish_gate') }}

select * from {{ ref('candidate_segment_outcomes') }}

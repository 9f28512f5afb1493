-- Published: the tested candidate_segment_validation, copied once every candidate passed its tests.
-- depends_on: {{ ref('int_publish_gate') }}

select * from {{ ref('candidate_segment_validation') }}

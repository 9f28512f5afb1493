-- Published: the tested candidate_segment_holdout_summary, copied once every candidate passed.
-- depends_on: {{ ref('int_publish_gate') }}

select * from {{ ref('candidate_segment_holdout_summary') }}

-- Published: the lifecycle thresholds the published stages were decided with (one row), copied
-- once every candidate passed its tests.
-- depends_on: {{ ref('int_publish_gate') }}

select * from {{ ref('int_lifecycle_thresholds') }}

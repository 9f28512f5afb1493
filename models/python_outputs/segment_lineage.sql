{{ config(enabled=target.type == 'spark', materialized='view') }}
-- On Spark (no local dbt Python models): what each refit did to the segments, as the table the `customer-segments-spark`
-- command wrote with the same package code the dbt Python model segment_lineage.py runs elsewhere.
-- depends_on: {{ ref('int_fit_sample') }}

select * from {{ source('python_steps', 'segment_lineage') }}

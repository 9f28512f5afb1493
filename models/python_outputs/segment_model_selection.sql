{{ config(enabled=target.type == 'spark', materialized='view') }}
-- On Spark (no local dbt Python models): every candidate model evaluated, per registered version, as the table the `customer-segments-spark`
-- command wrote with the same package code the dbt Python model segment_model_selection.py runs elsewhere.
-- depends_on: {{ ref('int_fit_sample') }}

select * from {{ source('python_steps', 'segment_model_selection') }}

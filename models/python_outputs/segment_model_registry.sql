{{ config(enabled=target.type == 'spark', materialized='view') }}
-- On Spark (no local dbt Python models): the fitted models (appended by each refit), as the table the `customer-segments-spark`
-- command wrote with the same package code the dbt Python model segment_model_registry.py runs elsewhere.
-- depends_on: {{ ref('int_fit_sample') }}

select * from {{ source('python_steps', 'segment_model_registry') }}

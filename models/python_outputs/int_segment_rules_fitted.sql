{{ config(enabled=target.type == 'spark', materialized='view') }}
-- On Spark (no local dbt Python models): the explainer rules of the latest model, as the table the `customer-segments-spark`
-- command wrote with the same package code the dbt Python model int_segment_rules_fitted.py runs elsewhere.
-- depends_on: {{ ref('int_scored_fit_sample') }}

select * from {{ source('python_steps', 'int_segment_rules_fitted') }}

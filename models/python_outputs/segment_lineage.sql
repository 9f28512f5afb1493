{{ config(enabled=target.type == 'spark', materialized='view') }}
-- What each refit did to the segments.
-- Spark only: dbt-spark runs dbt Python models on Databricks alone, so here the table behind
-- this view is written by `customer-segments-spark` with the same package code that
-- python_models/segment_lineage.py runs on DuckDB and Databricks.
-- depends_on: {{ ref('int_fit_sample') }}

select * from {{ source('python_steps', 'segment_lineage') }}

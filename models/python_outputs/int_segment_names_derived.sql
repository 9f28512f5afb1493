{{ config(enabled=target.type == 'spark', materialized='view') }}
-- A name and a description per segment.
-- Spark only: dbt-spark runs dbt Python models on Databricks alone, so here the table behind
-- this view is written by `customer-segments-spark` with the same package code that
-- python_models/int_segment_names_derived.py runs on DuckDB and Databricks.
-- depends_on: {{ ref('int_scored_fit_sample') }}

select * from {{ source('python_steps', 'int_segment_names_derived') }}

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
    )
}}
-- One row per snapshot run per customer: an append-only log of segment_membership as each build
-- published it. The run key is the as-of date and the model version, so repeating a build on the
-- same data and model adds nothing, and past rows are never rewritten.

with

membership as (

    select * from {{ ref('segment_membership') }}

),

as_of_dates as (

    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_latest

),

keyed as (

    select
        cast(
            {{ dbt.concat([
                "cast(as_of_dates.as_of_date as " ~ dbt.type_string() ~ ")",
                "'/'",
                "membership.model_version",
            ]) }}
            as {{ dbt.type_string() }}
        ) as snapshot_run_key,
        as_of_dates.as_of_date,
        membership.model_version,
        membership.customer_id,
        membership.segment_id,
        membership.segment_probability,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from membership
    cross join as_of_dates

)

select * from keyed
{%- if is_incremental() %}
where snapshot_run_key not in (select distinct published.snapshot_run_key from {{ this }} as published)
{%- endif %}

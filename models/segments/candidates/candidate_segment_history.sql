-- Candidate for segment_history: published only when every test on every candidate passes.
-- One row per customer per as-of date (the build's and each history month-end): the top segment
-- under the latest model. Every month is scored with the same model, so movement between months
-- is movement of the customer, not of the model.

with

scores as (

    select * from {{ ref('int_segment_scores') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

segment_names as (

    select * from {{ ref('int_segment_names_derived') }}

),

lifecycle_stages as (

    select * from {{ ref('int_customer_lifecycle_stages') }}

),

final as (

    select
        cast(scores.customer_id as {{ dbt.type_string() }}) as customer_id,
        scores.as_of_date,
        cast(as_of_dates.is_latest as boolean) as is_latest_as_of_date,
        cast(scores.top_segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(segment_names.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(lifecycle_stages.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(scores.top_probability as {{ type_double() }}) as segment_probability,
        cast(scores.model_version as {{ dbt.type_string() }}) as model_version
    from scores
    inner join as_of_dates
        on scores.as_of_date = as_of_dates.as_of_date
    left join segment_names
        on scores.top_segment_id = segment_names.segment_id
    left join lifecycle_stages
        on
            scores.customer_id = lifecycle_stages.customer_id
            and scores.as_of_date = lifecycle_stages.as_of_date

)

select * from final
order by customer_id, as_of_date

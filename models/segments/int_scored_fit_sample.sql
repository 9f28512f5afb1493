-- One row per customer of the fit sample: their latest features and top segment under the latest
-- model, their lifecycle stage and the lifecycle thresholds. The explainer and the naming read this
-- bounded table, never the whole population.

with

sample as (

    select * from {{ ref('int_fit_sample') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

lifecycle_stages as (

    select * from {{ ref('int_customer_lifecycle_stages') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds') }}

),

final as (

    select
        sample.*,
        scores.top_segment_id,
        scores.top_probability,
        scores.model_version,
        lifecycle_stages.lifecycle_stage,
        thresholds.active_days,
        thresholds.lapsed_days
    from sample
    inner join scores
        on
            sample.customer_id = scores.customer_id
            and sample.as_of_date = scores.as_of_date
    left join lifecycle_stages
        on
            sample.customer_id = lifecycle_stages.customer_id
            and sample.as_of_date = lifecycle_stages.as_of_date
    cross join thresholds

)

select * from final
order by customer_id

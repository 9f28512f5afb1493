-- One row per customer of the fit sample: their latest features and top segment under the latest
-- model. The explainer and the naming read this bounded table, never the whole population.

with

sample as (

    select * from {{ ref('int_fit_sample') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

final as (

    select
        sample.*,
        scores.top_segment_id,
        scores.top_probability,
        scores.model_version
    from sample
    inner join scores
        on
            sample.customer_id = scores.customer_id
            and sample.as_of_date = scores.as_of_date

)

select * from final
order by customer_id

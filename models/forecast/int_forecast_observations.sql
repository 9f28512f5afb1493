-- One row per customer per past as-of date whose next 90 days are observed (int_outcome_dates):
-- the customer's top segment at that date under the current model, the forecast cell (recency and
-- frequency band), their orders and net spend so far, what they bought in the 90 days before (the
-- naive forecast) and after it.

with

outcomes as (

    select * from {{ ref('int_customer_outcomes') }}

),

features as (

    select * from {{ ref('feat_customer_features') }}

),

scores as (

    select
        customer_id,
        as_of_date,
        top_segment_id
    from {{ ref('int_segment_scores') }}

),

final as (

    select
        outcomes.customer_id,
        outcomes.as_of_date,
        outcomes.outcome_role,
        scores.top_segment_id as segment_id,
        {{ forecast_recency_band('features.days_since_last_order') }} as recency_band,
        {{ forecast_frequency_band('features.order_count') }} as frequency_band,
        features.order_count,
        cast(features.net_spend as {{ type_double() }}) as net_spend,
        cast(features.orders_90d as {{ type_double() }}) as orders_last_90d,
        cast(features.spend_90d as {{ type_double() }}) as spend_last_90d,
        cast(outcomes.purchases_next_90d as {{ type_double() }}) as orders_next_90d,
        cast(outcomes.net_spend_next_90d as {{ type_double() }}) as spend_next_90d
    from outcomes
    inner join features
        on
            outcomes.customer_id = features.customer_id
            and outcomes.as_of_date = features.as_of_date
    inner join scores
        on
            outcomes.customer_id = scores.customer_id
            and outcomes.as_of_date = scores.as_of_date

)

select * from final

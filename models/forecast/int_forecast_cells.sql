-- The expected-value forecast, learnt from the history: per segment, recency band and frequency
-- band, how many purchases customers in that cell at past as-of dates made in the next 90 days and
-- their net spend per purchase (int_customer_forecasts blends it with each customer's own). Two fits:
-- 'check' learns from the training dates only and is scored on the held-back validation dates
-- (segment_forecast_validation); 'final' learns from every observed date and gives the forecast in
-- segment_membership. A cell's mean is shrunk toward its parent (segment and recency band, then
-- segment, then everyone) as if the parent added forecast_prior_customers customers (purchases, for
-- the spend per purchase) to it, so a small cell borrows from a large one instead of reporting its
-- own noise. One row per fit and level; the upper levels have null bands.
{%- set prior = var('forecast_prior_customers') | float %}

with

observations as (

    select * from {{ ref('int_forecast_observations') }}

),

fits as (

    select
        'check' as fit,
        observations.*
    from observations
    where observations.outcome_role = 'training'

    union all

    select
        'final' as fit,
        observations.*
    from observations

),

everyone as (

    select
        fit,
        avg(orders_next_90d) as expected_orders_90d,
        coalesce(sum(spend_next_90d) / nullif(sum(orders_next_90d), 0), 0.0e0) as spend_per_order
    from fits
    group by fit

),

segment_sums as (

    select
        fit,
        segment_id,
        count(*) as n_observations,
        sum(orders_next_90d) as sum_orders,
        sum(spend_next_90d) as sum_spend
    from fits
    group by fit, segment_id

),

segment_level as (

    select
        segment_sums.fit,
        segment_sums.segment_id,
        segment_sums.n_observations,
        (segment_sums.sum_orders + {{ prior }} * everyone.expected_orders_90d)
        / (segment_sums.n_observations + {{ prior }}) as expected_orders_90d,
        (segment_sums.sum_spend + {{ prior }} * everyone.spend_per_order)
        / (segment_sums.sum_orders + {{ prior }}) as spend_per_order
    from segment_sums
    inner join everyone
        on segment_sums.fit = everyone.fit

),

recency_sums as (

    select
        fit,
        segment_id,
        recency_band,
        count(*) as n_observations,
        sum(orders_next_90d) as sum_orders,
        sum(spend_next_90d) as sum_spend
    from fits
    group by fit, segment_id, recency_band

),

recency_level as (

    select
        recency_sums.fit,
        recency_sums.segment_id,
        recency_sums.recency_band,
        recency_sums.n_observations,
        (recency_sums.sum_orders + {{ prior }} * segment_level.expected_orders_90d)
        / (recency_sums.n_observations + {{ prior }}) as expected_orders_90d,
        (recency_sums.sum_spend + {{ prior }} * segment_level.spend_per_order)
        / (recency_sums.sum_orders + {{ prior }}) as spend_per_order
    from recency_sums
    inner join segment_level
        on
            recency_sums.fit = segment_level.fit
            and recency_sums.segment_id = segment_level.segment_id

),

cell_sums as (

    select
        fit,
        segment_id,
        recency_band,
        frequency_band,
        count(*) as n_observations,
        sum(orders_next_90d) as sum_orders,
        sum(spend_next_90d) as sum_spend
    from fits
    group by fit, segment_id, recency_band, frequency_band

),

cell_level as (

    select
        cell_sums.fit,
        cell_sums.segment_id,
        cell_sums.recency_band,
        cell_sums.frequency_band,
        cell_sums.n_observations,
        (cell_sums.sum_orders + {{ prior }} * recency_level.expected_orders_90d)
        / (cell_sums.n_observations + {{ prior }}) as expected_orders_90d,
        (cell_sums.sum_spend + {{ prior }} * recency_level.spend_per_order)
        / (cell_sums.sum_orders + {{ prior }}) as spend_per_order
    from cell_sums
    inner join recency_level
        on
            cell_sums.fit = recency_level.fit
            and cell_sums.segment_id = recency_level.segment_id
            and cell_sums.recency_band = recency_level.recency_band

),

final as (

    select
        fit,
        'everyone' as cell_level,
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_int() }}) as recency_band,
        cast(null as {{ dbt.type_int() }}) as frequency_band,
        cast(null as {{ dbt.type_bigint() }}) as n_observations,
        cast(expected_orders_90d as {{ type_double() }}) as expected_orders_90d,
        cast(spend_per_order as {{ type_double() }}) as spend_per_order
    from everyone

    union all

    select
        fit,
        'segment' as cell_level,
        cast(segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_int() }}) as recency_band,
        cast(null as {{ dbt.type_int() }}) as frequency_band,
        cast(n_observations as {{ dbt.type_bigint() }}) as n_observations,
        cast(expected_orders_90d as {{ type_double() }}) as expected_orders_90d,
        cast(spend_per_order as {{ type_double() }}) as spend_per_order
    from segment_level

    union all

    select
        fit,
        'segment_recency' as cell_level,
        cast(segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(recency_band as {{ dbt.type_int() }}) as recency_band,
        cast(null as {{ dbt.type_int() }}) as frequency_band,
        cast(n_observations as {{ dbt.type_bigint() }}) as n_observations,
        cast(expected_orders_90d as {{ type_double() }}) as expected_orders_90d,
        cast(spend_per_order as {{ type_double() }}) as spend_per_order
    from recency_level

    union all

    select
        fit,
        'cell' as cell_level,
        cast(segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(recency_band as {{ dbt.type_int() }}) as recency_band,
        cast(frequency_band as {{ dbt.type_int() }}) as frequency_band,
        cast(n_observations as {{ dbt.type_bigint() }}) as n_observations,
        cast(expected_orders_90d as {{ type_double() }}) as expected_orders_90d,
        cast(spend_per_order as {{ type_double() }}) as spend_per_order
    from cell_level

)

select * from final

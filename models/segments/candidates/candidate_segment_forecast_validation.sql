-- Candidate for segment_forecast_validation: published only when every test on every candidate
-- passes. The honest check of expected_orders_90d and expected_spend_90d: at each held-back
-- validation date, the forecast learnt from the training dates only (int_forecast_cells 'check')
-- against what customers then did, beside the naive forecast "the same as the last 90 days".
-- One row per validation date, measure and forecast: mean absolute error, root mean squared error
-- and the rank (Spearman) correlation with the actual value, ties taking their average rank.
{%- set measures = [
    ('orders_90d', 'orders_next_90d', 'expected_orders_90d', 'orders_last_90d'),
    ('spend_90d', 'spend_next_90d', 'expected_spend_90d', 'spend_last_90d'),
] %}

with

forecasts as (

    select * from {{ ref('int_customer_forecasts') }}
    where forecast_role = 'validation'

),

pairs as (
    {%- for measure, actual, expected, naive in measures %}
    {%- for forecast, column in [('expected', expected), ('last_90_days', naive)] %}

    select
        as_of_date,
        '{{ measure }}' as measure,
        '{{ forecast }}' as forecast,
        {{ actual }} as actual,
        {{ column }} as predicted
    from forecasts
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

ranked as (

    select
        as_of_date,
        measure,
        forecast,
        actual,
        predicted,
        rank() over (partition by as_of_date, measure, forecast order by actual)
        + (count(*) over (partition by as_of_date, measure, forecast, actual) - 1) / 2.0e0
            as actual_rank,
        rank() over (partition by as_of_date, measure, forecast order by predicted)
        + (count(*) over (partition by as_of_date, measure, forecast, predicted) - 1) / 2.0e0
            as predicted_rank
    from pairs

),

final as (

    select
        as_of_date,
        cast(measure as {{ dbt.type_string() }}) as measure,
        cast(forecast as {{ dbt.type_string() }}) as forecast,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_customers,
        cast(avg(actual) as {{ type_double() }}) as mean_actual,
        cast(avg(predicted) as {{ type_double() }}) as mean_forecast,
        cast(avg(abs(predicted - actual)) as {{ type_double() }}) as mean_absolute_error,
        cast(sqrt(avg((predicted - actual) * (predicted - actual))) as {{ type_double() }})
            as root_mean_squared_error,
        cast(corr(predicted_rank, actual_rank) as {{ type_double() }}) as rank_correlation
    from ranked
    group by as_of_date, measure, forecast

)

select * from final
order by as_of_date, measure, forecast

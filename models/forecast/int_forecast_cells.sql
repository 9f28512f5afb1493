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
{#- Each level: its name, its keys, and its parent level (the keys minus the last). #}
{%- set levels = [
    ('segment', ['segment_id'], 'everyone'),
    ('segment_recency', ['segment_id', 'recency_band'], 'segment'),
    ('cell', ['segment_id', 'recency_band', 'frequency_band'], 'segment_recency'),
] %}
{%- set bands = ['segment_id', 'recency_band', 'frequency_band'] %}

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
{%- for level, keys, parent in levels %}

{{ level }}_sums as (

    select
        fit,
        {{ keys | join(', ') }},
        count(*) as n_observations,
        sum(orders_next_90d) as sum_orders,
        sum(spend_next_90d) as sum_spend
    from fits
    group by fit, {{ keys | join(', ') }}

),

{{ level }} as (

    select
        {{ level }}_sums.fit,
        {%- for key in keys %}
        {{ level }}_sums.{{ key }},
        {%- endfor %}
        {{ level }}_sums.n_observations,
        ({{ level }}_sums.sum_orders + {{ prior }} * {{ parent }}.expected_orders_90d)
        / ({{ level }}_sums.n_observations + {{ prior }}) as expected_orders_90d,
        ({{ level }}_sums.sum_spend + {{ prior }} * {{ parent }}.spend_per_order)
        / ({{ level }}_sums.sum_orders + {{ prior }}) as spend_per_order
    from {{ level }}_sums
    inner join {{ parent }}
        on
            {{ level }}_sums.fit = {{ parent }}.fit
            {%- for key in keys[:-1] %}
            and {{ level }}_sums.{{ key }} = {{ parent }}.{{ key }}
            {%- endfor %}

),
{%- endfor %}

final as (
    {%- for level, keys, _ in [('everyone', [], none)] + levels %}

    select
        fit,
        '{{ level }}' as cell_level,
        {%- for band in bands %}
        cast({{ band if band in keys else 'null' }} as {{ dbt.type_int() }}) as {{ band }},
        {%- endfor %}
        cast({{ 'n_observations' if keys else 'null' }} as {{ dbt.type_bigint() }}) as n_observations,
        cast(expected_orders_90d as {{ type_double() }}) as expected_orders_90d,
        cast(spend_per_order as {{ type_double() }}) as spend_per_order
    from {{ level }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from final

-- One row per customer to forecast: every customer at the build's as-of date ('latest', from the
-- 'final' fit of int_forecast_cells) and every customer at the held-back validation dates
-- ('validation', from the 'check' fit, which never saw those dates' outcomes). Expected purchases
-- are the customer's cell's (or its parent's where the cell was never seen in the history);
-- expected spend is those purchases times a spend per purchase that blends the customer's own net
-- spend per order (weighted by their order count) with the cell's (weighted as
-- forecast_prior_orders orders): a customer's basket size is the best-known thing about them.
{%- set prior_orders = var('forecast_prior_orders') | float %}

with

latest_customers as (

    select
        features.customer_id,
        features.as_of_date,
        'latest' as forecast_role,
        'final' as fit,
        scores.top_segment_id as segment_id,
        {{ forecast_recency_band('features.days_since_last_order') }} as recency_band,
        {{ forecast_frequency_band('features.order_count') }} as frequency_band,
        features.order_count,
        cast(features.net_spend as {{ type_double() }}) as net_spend,
        cast(features.orders_90d as {{ type_double() }}) as orders_last_90d,
        cast(features.spend_90d as {{ type_double() }}) as spend_last_90d,
        cast(null as {{ type_double() }}) as orders_next_90d,
        cast(null as {{ type_double() }}) as spend_next_90d
    from {{ ref('feat_customer_features') }} as features
    inner join {{ ref('int_segment_scores') }} as scores
        on
            features.customer_id = scores.customer_id
            and features.as_of_date = scores.as_of_date
    where features.is_latest_as_of_date

),

validation_customers as (

    select
        customer_id,
        as_of_date,
        'validation' as forecast_role,
        'check' as fit,
        segment_id,
        recency_band,
        frequency_band,
        order_count,
        net_spend,
        orders_last_90d,
        spend_last_90d,
        orders_next_90d,
        spend_next_90d
    from {{ ref('int_forecast_observations') }}
    where outcome_role = 'validation'

),

customers as (

    select * from latest_customers
    union all
    select * from validation_customers

),

cells as (

    select * from {{ ref('int_forecast_cells') }}

),

blended as (

    select
        customers.customer_id,
        customers.as_of_date,
        customers.forecast_role,
        customers.segment_id,
        customers.recency_band,
        customers.frequency_band,
        customers.orders_last_90d,
        customers.spend_last_90d,
        customers.orders_next_90d,
        customers.spend_next_90d,
        coalesce(
            cell.expected_orders_90d, recency.expected_orders_90d, segment.expected_orders_90d,
            everyone.expected_orders_90d
        ) as expected_orders_90d,
        customers.order_count,
        customers.net_spend,
        coalesce(
            cell.spend_per_order, recency.spend_per_order, segment.spend_per_order,
            everyone.spend_per_order
        ) as cell_spend_per_order
    from customers
    left join cells as everyone
        on
            everyone.cell_level = 'everyone'
            and customers.fit = everyone.fit
    left join cells as segment
        on
            segment.cell_level = 'segment'
            and customers.fit = segment.fit
            and customers.segment_id = segment.segment_id
    left join cells as recency
        on
            recency.cell_level = 'segment_recency'
            and customers.fit = recency.fit
            and customers.segment_id = recency.segment_id
            and customers.recency_band = recency.recency_band
    left join cells as cell
        on
            cell.cell_level = 'cell'
            and customers.fit = cell.fit
            and customers.segment_id = cell.segment_id
            and customers.recency_band = cell.recency_band
            and customers.frequency_band = cell.frequency_band

),

final as (

    select
        customer_id,
        as_of_date,
        forecast_role,
        segment_id,
        recency_band,
        frequency_band,
        orders_last_90d,
        spend_last_90d,
        orders_next_90d,
        spend_next_90d,
        expected_orders_90d,
        expected_orders_90d
        * (net_spend + {{ prior_orders }} * cell_spend_per_order)
        / (order_count + {{ prior_orders }}) as expected_spend_90d
    from blended

)

select * from final

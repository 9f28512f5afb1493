-- One row per customer per as-of date: order-based (RFM) features computed only from valid orders
-- on or before that date. Customers enter at their first purchase (amount >= 0).

with

orders as (

    select * from {{ ref('stg_raw__orders') }}
    where invalid_reason is null

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

orders_in_view as (

    select
        as_of_dates.as_of_date,
        orders.customer_id,
        orders.order_date,
        -- Exact decimal sums: the same input gives the same bits whatever the thread scheduling.
        cast(orders.amount as decimal(38, 6)) as amount,
        orders.amount >= 0 as is_purchase,
        {{ dbt.datediff('orders.order_date', 'as_of_dates.as_of_date', 'day') }} as days_before
    from orders
    inner join as_of_dates
        on orders.order_date <= as_of_dates.as_of_date

),

monthly as (

    -- Per customer, as-of date and month of purchase first (refunds in a month of their own,
    -- null), so the active months are a count of rows rather than a count(distinct): a tenth of
    -- this model's time at 10M customers. Sums of exact decimals, mins and maxes compose exactly.
    select
        customer_id,
        as_of_date,
        case when is_purchase then {{ dbt.date_trunc('month', 'order_date') }} end as purchase_month,
        min(case when is_purchase then order_date end) as first_order_date,
        max(case when is_purchase then order_date end) as last_order_date,
        count(case when is_purchase then 1 end) as order_count,
        count(case when is_purchase and days_before < 90 then 1 end) as orders_90d,
        sum(amount) as net_spend,
        sum(case when is_purchase then amount else 0 end) as gross_spend,
        sum(case when not is_purchase then -amount else 0 end) as refunded_amount,
        sum(case when days_before < 90 then amount else 0 end) as spend_90d
    from orders_in_view
    group by customer_id, as_of_date, purchase_month

),

aggregated as (

    select
        customer_id,
        as_of_date,
        min(first_order_date) as first_order_date,
        max(last_order_date) as last_order_date,
        cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
        cast(sum(orders_90d) as {{ dbt.type_bigint() }}) as orders_90d,
        cast(sum(net_spend) as {{ type_double() }}) as net_spend,
        cast(sum(gross_spend) as {{ type_double() }}) as gross_spend,
        cast(sum(refunded_amount) as {{ type_double() }}) as refunded_amount,
        cast(sum(spend_90d) as {{ type_double() }}) as spend_90d,
        count(purchase_month) as active_months
    from monthly
    group by customer_id, as_of_date

),

final as (

    select
        customer_id,
        as_of_date,
        first_order_date,
        last_order_date,
        {{ dbt.datediff('last_order_date', 'as_of_date', 'day') }} as days_since_last_order,
        {{ dbt.datediff('first_order_date', 'as_of_date', 'day') }} as tenure_days,
        order_count,
        orders_90d,
        net_spend,
        gross_spend,
        refunded_amount,
        gross_spend / order_count as avg_order_value,
        spend_90d,
        active_months,
        case
            when order_count > 1
                then
                    cast({{ dbt.datediff('first_order_date', 'last_order_date', 'day') }} as {{ type_double() }})
                    / (order_count - 1)
        end as avg_days_between_orders,
        case
            when gross_spend > 0 then least(1.0, refunded_amount / gross_spend)
            else 0.0
        end as refund_share
    from aggregated
    where order_count > 0

)

select * from final

-- One row per customer per past as-of date of int_outcome_dates (customers who had purchased by
-- then): what they did next. Only valid orders strictly after the as-of date and on or before the
-- build's as-of date count, so an outcome never includes the as-of date itself and never reads past
-- the build's point in time. "Next 90 days" is the 90 days after the as-of date.

with

customers as (

    select
        customer_id,
        as_of_date
    from {{ ref('feat_customer_features') }}

),

outcome_dates as (

    select * from {{ ref('int_outcome_dates') }}

),

latest as (

    select as_of_date as latest_as_of_date
    from {{ ref('int_as_of_dates') }}
    where is_latest

),

orders as (

    select
        customer_id,
        order_date,
        amount
    from {{ ref('stg_raw__orders') }}
    where invalid_reason is null

),

orders_after as (

    select
        outcome_dates.as_of_date,
        orders.customer_id,
        -- Exact decimal sums: the same input gives the same bits whatever the thread scheduling.
        cast(orders.amount as decimal(38, 6)) as amount,
        orders.amount >= 0 as is_purchase,
        {{ dbt.datediff('outcome_dates.as_of_date', 'orders.order_date', 'day') }} as days_after
    from orders
    inner join outcome_dates
        on
            orders.order_date > outcome_dates.as_of_date
            and orders.order_date <= cast({{ dbt.dateadd('day', 180, 'outcome_dates.as_of_date') }} as date)
    cross join latest
    where orders.order_date <= latest.latest_as_of_date

),

aggregated as (

    select
        customer_id,
        as_of_date,
        cast(sum(case when days_after <= 90 then amount else 0 end) as {{ type_double() }})
            as net_spend_next_90d,
        count(case when is_purchase and days_after <= 90 then 1 end) as purchases_next_90d,
        count(case when is_purchase then 1 end) as purchases_next_180d
    from orders_after
    group by customer_id, as_of_date

),

final as (

    select
        customers.customer_id,
        customers.as_of_date,
        outcome_dates.outcome_role,
        coalesce(aggregated.net_spend_next_90d, 0.0) as net_spend_next_90d,
        coalesce(aggregated.purchases_next_90d, 0) as purchases_next_90d,
        coalesce(aggregated.purchases_next_90d, 0) > 0 as bought_again_90d,
        case
            when outcome_dates.is_180d_observed then coalesce(aggregated.purchases_next_180d, 0) = 0
        end as is_without_purchase_180d
    from customers
    inner join outcome_dates
        on customers.as_of_date = outcome_dates.as_of_date
    left join aggregated
        on
            customers.customer_id = aggregated.customer_id
            and customers.as_of_date = aggregated.as_of_date

)

select * from final

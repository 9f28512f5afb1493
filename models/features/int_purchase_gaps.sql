-- One row per customer per purchase day after their first: the days since the purchase day before
-- it. Several purchases on one day count as one day. These gaps are the business's own rhythm:
-- int_lifecycle_thresholds takes its quantiles, int_customer_lifecycle_stages the gap before the
-- latest purchase (a long one means the customer came back).

with

orders as (

    select * from {{ ref('stg_raw__orders') }}
    where invalid_reason is null and amount >= 0

),

purchase_days as (

    select distinct
        customer_id,
        order_date
    from orders

),

with_previous as (

    select
        customer_id,
        order_date,
        lag(order_date) over (partition by customer_id order by order_date) as previous_order_date
    from purchase_days

),

final as (

    select
        customer_id,
        order_date,
        previous_order_date,
        {{ dbt.datediff('previous_order_date', 'order_date', 'day') }} as gap_days
    from with_previous
    where previous_order_date is not null

)

select * from final

-- One row per customer per as-of date: the customer's lifecycle stage, from their own purchases
-- and the business's rhythm (int_lifecycle_thresholds; the same thresholds at every date). First
-- rule that holds wins:
--   new          first purchase at most active_days ago
--   reactivated  last purchase at most active_days ago, after a gap of more than lapsed_days
--   active       last purchase at most active_days ago
--   at_risk      last purchase at most lapsed_days ago
--   lapsed       last purchase more than lapsed_days ago

with

orders_aggregated as (

    select * from {{ ref('int_orders_aggregated_to_customers') }}

),

gaps as (

    select * from {{ ref('int_purchase_gaps') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds') }}

),

with_gap as (

    select
        orders_aggregated.customer_id,
        orders_aggregated.as_of_date,
        orders_aggregated.days_since_last_order,
        orders_aggregated.tenure_days,
        gaps.gap_days as gap_before_last_order_days,
        thresholds.active_days,
        thresholds.lapsed_days
    from orders_aggregated
    cross join thresholds
    left join gaps
        on
            orders_aggregated.customer_id = gaps.customer_id
            and orders_aggregated.last_order_date = gaps.order_date

),

final as (

    select
        customer_id,
        as_of_date,
        days_since_last_order,
        gap_before_last_order_days,
        cast(case
            when tenure_days <= active_days then 'new'
            when days_since_last_order <= active_days and gap_before_last_order_days > lapsed_days
                then 'reactivated'
            when days_since_last_order <= active_days then 'active'
            when days_since_last_order <= lapsed_days then 'at_risk'
            else 'lapsed'
        end as {{ dbt.type_string() }}) as lifecycle_stage
    from with_gap

)

select * from final

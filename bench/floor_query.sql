-- The floor: one hand-written DuckDB query computing the same 17 features as feat_customer_features
-- at the latest valid order date, with the same rules (exact duplicate orders, and exact duplicate
-- events inside the 90-day window, counted once; rows with an empty id or time, unknown event
-- types and order ids with conflicting amounts left out).
-- {data} is replaced by the data folder. Written to Parquet by bench/run.py, which checks that it
-- equals our feature table.
with

orders as (

    select distinct
        nullif(trim(order_id), '') as order_id,
        nullif(trim(customer_id), '') as customer_id,
        amount,
        ordered_at
    from read_parquet('{data}/orders.parquet')

),

valid_orders as (

    select
        customer_id,
        cast(ordered_at as date) as order_date,
        cast(amount as decimal(38, 6)) as amount
    from orders
    where
        customer_id is not null and order_id is not null and ordered_at is not null
        and amount is not null
        and order_id not in (
            select order_id from orders
            where order_id is not null
            group by order_id having count(distinct amount) > 1
        )

),

as_of as (

    select max(order_date) as as_of_date from valid_orders

),

order_features as (

    select
        valid_orders.customer_id,
        any_value(as_of.as_of_date) as as_of_date,
        min(valid_orders.order_date) filter (where valid_orders.amount >= 0) as first_order_date,
        max(valid_orders.order_date) filter (where valid_orders.amount >= 0) as last_order_date,
        count(*) filter (where valid_orders.amount >= 0) as order_count,
        count(*) filter (
            where valid_orders.amount >= 0 and as_of.as_of_date - valid_orders.order_date < 90
        ) as orders_90d,
        cast(sum(valid_orders.amount) as double) as net_spend,
        cast(coalesce(sum(valid_orders.amount) filter (where valid_orders.amount >= 0), 0) as double)
            as gross_spend,
        cast(coalesce(-sum(valid_orders.amount) filter (where valid_orders.amount < 0), 0) as double)
            as refunded_amount,
        cast(coalesce(sum(valid_orders.amount) filter (
            where as_of.as_of_date - valid_orders.order_date < 90
        ), 0) as double) as spend_90d,
        count(distinct date_trunc('month', valid_orders.order_date))
            filter (where valid_orders.amount >= 0) as active_months
    from valid_orders
    cross join as_of
    group by valid_orders.customer_id

),

events as (

    select
        nullif(trim(customer_id), '') as customer_id,
        event_type,
        occurred_at,
        cast(occurred_at as date) as event_date
    from read_parquet('{data}/events.parquet')
    where
        nullif(trim(customer_id), '') is not null and occurred_at is not null
        and event_type in ('session', 'email_sent', 'email_open', 'email_click', 'support_ticket')

),

last_seen as (

    select
        customer_id,
        max(event_date) as last_event_date
    from events
    where event_date <= (select as_of_date from as_of)
    group by customer_id

),

recent_events as (

    -- exact duplicates count once; only the 90-day window needs it
    select
        customer_id,
        event_type,
        (select as_of_date from as_of) - event_date as days_before
    from events
    where event_date between (select as_of_date from as_of) - 89 and (select as_of_date from as_of)
    group by customer_id, event_type, occurred_at, event_date

),

event_features as (

    select
        last_seen.customer_id,
        any_value(last_seen.last_event_date) as last_event_date,
        count(recent_events.customer_id) filter (
            where recent_events.event_type = 'session' and recent_events.days_before < 30
        ) as sessions_30d,
        count(recent_events.customer_id) filter (
            where recent_events.event_type = 'session' and recent_events.days_before >= 30
        ) as sessions_prior_60d,
        count(recent_events.customer_id) filter (where recent_events.event_type = 'session')
            as sessions_90d,
        count(recent_events.customer_id) filter (where recent_events.event_type = 'email_sent')
            as sends,
        count(recent_events.customer_id) filter (where recent_events.event_type = 'email_open')
            as opens,
        count(recent_events.customer_id) filter (where recent_events.event_type = 'email_click')
            as clicks,
        count(recent_events.customer_id) filter (where recent_events.event_type = 'support_ticket')
            as support_tickets_90d
    from last_seen
    left join recent_events
        on last_seen.customer_id = recent_events.customer_id
    group by last_seen.customer_id

)

select
    order_features.customer_id,
    order_features.as_of_date - order_features.last_order_date as days_since_last_order,
    order_features.as_of_date - order_features.first_order_date as tenure_days,
    order_features.order_count,
    order_features.orders_90d,
    order_features.net_spend,
    order_features.gross_spend / order_features.order_count as avg_order_value,
    order_features.spend_90d,
    order_features.active_months,
    case
        when order_features.order_count > 1
            then cast(order_features.last_order_date - order_features.first_order_date as double)
            / (order_features.order_count - 1)
    end as avg_days_between_orders,
    case
        when order_features.gross_spend > 0
            then least(1.0, order_features.refunded_amount / order_features.gross_spend)
        else 0.0
    end as refund_share,
    coalesce(event_features.sessions_30d, 0) as sessions_30d,
    coalesce(event_features.sessions_90d, 0) as sessions_90d,
    case when event_features.sends > 0 then least(1.0, event_features.opens / event_features.sends) end
        as email_open_rate,
    case when event_features.sends > 0 then least(1.0, event_features.clicks / event_features.sends) end
        as email_click_rate,
    coalesce(event_features.support_tickets_90d, 0) as support_tickets_90d,
    order_features.as_of_date - event_features.last_event_date as days_since_last_event,
    case
        when coalesce(event_features.sessions_30d, 0) + coalesce(event_features.sessions_prior_60d, 0) > 0
            then (event_features.sessions_30d - event_features.sessions_prior_60d / 2.0)
            / (event_features.sessions_30d + event_features.sessions_prior_60d / 2.0)
        else 0.0
    end as activity_trend
from order_features
left join event_features
    on order_features.customer_id = event_features.customer_id
where order_features.order_count > 0

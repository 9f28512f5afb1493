-- The floor: one hand-written DuckDB query computing the model's features at the latest order
-- date. {data} is replaced by the data folder. Written to Parquet by bench/run.py.
with

orders as (

    select
        customer_id,
        cast(ordered_at as date) as order_date,
        amount
    from read_parquet('{data}/orders.parquet')

),

as_of as (

    select max(order_date) as as_of_date from orders

),

order_features as (

    select
        orders.customer_id,
        date_diff('day', max(case when orders.amount >= 0 then orders.order_date end), any_value(as_of.as_of_date))
            as days_since_last_order,
        count(*) filter (where orders.amount >= 0) as order_count,
        count(*) filter (where orders.amount >= 0 and date_diff('day', orders.order_date, as_of.as_of_date) < 90)
            as orders_90d,
        sum(orders.amount) as net_spend,
        sum(orders.amount) filter (where orders.amount >= 0)
            / count(*) filter (where orders.amount >= 0) as avg_order_value,
        count(distinct date_trunc('month', orders.order_date)) filter (where orders.amount >= 0) as active_months,
        least(1.0, coalesce(-sum(orders.amount) filter (where orders.amount < 0), 0)
            / nullif(sum(orders.amount) filter (where orders.amount >= 0), 0)) as refund_share
    from orders
    cross join as_of
    group by orders.customer_id

),

event_features as (

    select
        events.customer_id,
        count(*) filter (where events.event_type = 'session' and events.days_before < 90) as sessions_90d,
        count(*) filter (where events.event_type = 'email_sent' and events.days_before < 90) as sends,
        count(*) filter (where events.event_type = 'email_open' and events.days_before < 90) as opens,
        count(*) filter (where events.event_type = 'email_click' and events.days_before < 90) as clicks,
        count(*) filter (where events.event_type = 'support_ticket' and events.days_before < 90)
            as support_tickets_90d,
        min(events.days_before) as days_since_last_event
    from (
        select
            customer_id,
            event_type,
            date_diff('day', cast(occurred_at as date), (select as_of_date from as_of)) as days_before
        from read_parquet('{data}/events.parquet')
    ) as events
    where events.days_before >= 0
    group by events.customer_id

)

select
    order_features.*,
    coalesce(event_features.sessions_90d, 0) as sessions_90d,
    least(1.0, event_features.opens / nullif(event_features.sends, 0)) as email_open_rate,
    least(1.0, event_features.clicks / nullif(event_features.sends, 0)) as email_click_rate,
    coalesce(event_features.support_tickets_90d, 0) as support_tickets_90d,
    event_features.days_since_last_event
from order_features
left join event_features
    on order_features.customer_id = event_features.customer_id
where order_features.order_count > 0

-- The bare aggregation: what one DuckDB query costs without our rules (no de-duplication, no
-- conflicting order ids, no input accounting, no text or type checks): recency, frequency,
-- monetary value, order value, tenure and the 90-day session, email open and ticket counts per
-- customer at the latest order date. The feature layer is compared with it (Part 12: within 10x).
-- {data} is replaced by the data folder.
with

as_of as (

    select max(cast(ordered_at as date)) as as_of_date
    from read_parquet('{data}/orders.parquet')

),

order_features as (

    select
        orders.customer_id,
        any_value(as_of.as_of_date) - max(cast(orders.ordered_at as date)) as recency_days,
        count(*) as frequency,
        sum(orders.amount) as monetary,
        avg(orders.amount) as avg_order_value,
        any_value(as_of.as_of_date) - min(cast(orders.ordered_at as date)) as tenure_days
    from read_parquet('{data}/orders.parquet') as orders
    cross join as_of
    group by orders.customer_id

),

event_features as (

    select
        events.customer_id,
        count(*) filter (where events.event_type = 'session') as sessions_90d,
        count(*) filter (where events.event_type = 'email_open') as email_opens_90d,
        count(*) filter (where events.event_type = 'support_ticket') as support_tickets_90d
    from read_parquet('{data}/events.parquet') as events
    cross join as_of
    where
        cast(events.occurred_at as date) <= as_of.as_of_date
        and cast(events.occurred_at as date) > as_of.as_of_date - 90
    group by events.customer_id

)

select
    order_features.*,
    coalesce(event_features.sessions_90d, 0) as sessions_90d,
    coalesce(event_features.email_opens_90d, 0) as email_opens_90d,
    coalesce(event_features.support_tickets_90d, 0) as support_tickets_90d
from order_features
left join event_features on order_features.customer_id = event_features.customer_id

-- One row per customer per as-of date: the point-in-time features every later layer reads.
-- Engagement columns are null when no events input was provided (not measured, not zero).
{%- set has_events = raw_input_provided('events') %}

with

order_features as (

    select * from {{ ref('int_orders_aggregated_to_customers') }}

),

event_features as (

    select * from {{ ref('int_events_aggregated_to_customers') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

joined as (

    select
        ----------  keys
        order_features.customer_id,
        order_features.as_of_date,
        as_of_dates.is_latest as is_latest_as_of_date,

        ----------  orders (recency, frequency, monetary)
        order_features.days_since_last_order,
        order_features.tenure_days,
        order_features.order_count,
        order_features.orders_90d,
        order_features.net_spend,
        order_features.avg_order_value,
        order_features.spend_90d,
        order_features.active_months,
        order_features.avg_days_between_orders,
        order_features.refund_share,

        ----------  engagement
        {%- if has_events %}
        coalesce(event_features.sessions_30d, 0) as sessions_30d,
        coalesce(event_features.sessions_90d, 0) as sessions_90d,
        case
            when event_features.email_sends_90d > 0
                then least(
                    1.0,
                    cast(event_features.email_opens_90d as {{ type_double() }}) / event_features.email_sends_90d
                )
        end as email_open_rate,
        case
            when event_features.email_sends_90d > 0
                then least(
                    1.0,
                    cast(event_features.email_clicks_90d as {{ type_double() }}) / event_features.email_sends_90d
                )
        end as email_click_rate,
        coalesce(event_features.support_tickets_90d, 0) as support_tickets_90d,
        {{ dbt.datediff('event_features.last_event_date', 'order_features.as_of_date', 'day') }}
            as days_since_last_event,
        case
            when coalesce(event_features.sessions_30d, 0) + coalesce(event_features.sessions_prior_60d, 0) > 0
                then
                    (event_features.sessions_30d - event_features.sessions_prior_60d / 2.0e0)
                    / (event_features.sessions_30d + event_features.sessions_prior_60d / 2.0e0)
            else 0.0
        end as activity_trend,
        {%- else %}
        cast(null as {{ dbt.type_int() }}) as sessions_30d,
        cast(null as {{ dbt.type_int() }}) as sessions_90d,
        cast(null as {{ type_double() }}) as email_open_rate,
        cast(null as {{ type_double() }}) as email_click_rate,
        cast(null as {{ dbt.type_int() }}) as support_tickets_90d,
        cast(null as {{ dbt.type_int() }}) as days_since_last_event,
        cast(null as {{ type_double() }}) as activity_trend,
        {%- endif %}
        {{ has_events }} as has_engagement_data
    from order_features
    inner join as_of_dates
        on order_features.as_of_date = as_of_dates.as_of_date
    left join event_features
        on
            order_features.customer_id = event_features.customer_id
            and order_features.as_of_date = event_features.as_of_date

)

select * from joined

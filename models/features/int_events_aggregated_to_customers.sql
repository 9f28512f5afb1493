-- One row per customer per as-of date with at least one valid event on or before that date:
-- engagement counts over trailing windows (the as-of date and the days before it).

with

events as (

    select * from {{ ref('stg_raw__events') }}
    where invalid_reason is null

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

events_in_view as (

    select
        as_of_dates.as_of_date,
        events.customer_id,
        events.event_type,
        events.event_date,
        {{ dbt.datediff('events.event_date', 'as_of_dates.as_of_date', 'day') }} as days_before
    from events
    inner join as_of_dates
        on events.event_date <= as_of_dates.as_of_date

),

aggregated as (

    select
        customer_id,
        as_of_date,
        max(event_date) as last_event_date,
        count(case when event_type = 'session' and days_before < 30 then 1 end) as sessions_30d,
        count(case
            when event_type = 'session' and days_before >= 30 and days_before < 90 then 1
        end) as sessions_prior_60d,
        count(case when event_type = 'session' and days_before < 90 then 1 end) as sessions_90d,
        count(case when event_type = 'email_sent' and days_before < 90 then 1 end) as email_sends_90d,
        count(case when event_type = 'email_open' and days_before < 90 then 1 end) as email_opens_90d,
        count(case when event_type = 'email_click' and days_before < 90 then 1 end) as email_clicks_90d,
        count(case
            when event_type = 'support_ticket' and days_before < 90 then 1
        end) as support_tickets_90d
    from events_in_view
    group by customer_id, as_of_date

)

select * from aggregated

-- One row per customer per as-of date with at least one valid event on or before that date:
-- the last event date, and engagement counts over trailing windows (the as-of date and the days
-- before it) of distinct events.

with

event_periods as (

    select * from {{ ref('int_events_summarized_to_customer_periods') }}
    where invalid_reason is null

),

recent_events as (

    select * from {{ ref('int_events_deduplicated') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

last_seen as (

    -- From every valid event row, summarized per as-of period (a duplicate cannot change a
    -- maximum): the latest date of the periods that end on or before each as-of date.
    select
        event_periods.customer_id,
        as_of_dates.as_of_date,
        max(event_periods.last_event_date) as last_event_date
    from event_periods
    inner join as_of_dates
        on event_periods.as_of_date <= as_of_dates.as_of_date
    group by event_periods.customer_id, as_of_dates.as_of_date

),

recent_in_view as (

    select
        as_of_dates.as_of_date,
        recent_events.customer_id,
        recent_events.event_type,
        {{ dbt.datediff('recent_events.event_date', 'as_of_dates.as_of_date', 'day') }} as days_before
    from recent_events
    inner join as_of_dates
        on
            recent_events.event_date <= as_of_dates.as_of_date
            and {{ dbt.datediff('recent_events.event_date', 'as_of_dates.as_of_date', 'day') }} < 90

),

counted as (

    select
        customer_id,
        as_of_date,
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
    from recent_in_view
    group by customer_id, as_of_date

),

aggregated as (

    select
        last_seen.customer_id,
        last_seen.as_of_date,
        last_seen.last_event_date,
        coalesce(counted.sessions_30d, 0) as sessions_30d,
        coalesce(counted.sessions_prior_60d, 0) as sessions_prior_60d,
        coalesce(counted.sessions_90d, 0) as sessions_90d,
        coalesce(counted.email_sends_90d, 0) as email_sends_90d,
        coalesce(counted.email_opens_90d, 0) as email_opens_90d,
        coalesce(counted.email_clicks_90d, 0) as email_clicks_90d,
        coalesce(counted.support_tickets_90d, 0) as support_tickets_90d
    from last_seen
    left join counted
        on
            last_seen.customer_id = counted.customer_id
            and last_seen.as_of_date = counted.as_of_date

)

select * from aggregated

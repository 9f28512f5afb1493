-- One row per distinct valid event (same customer, type and time kept once) inside the feature
-- window: from 89 days before the earliest as-of date to the latest as-of date, the only events
-- the windowed engagement counts read. source_rows counts the identical raw rows it stands for.

with

events as (

    select * from {{ ref('stg_raw__events') }}
    where invalid_reason is null

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

feature_window as (

    select
        {{ dbt.dateadd('day', -89, 'min(as_of_date)') }} as first_day,
        max(as_of_date) as last_day
    from as_of_dates

),

deduplicated as (

    -- A group by rather than select distinct: DuckDB spills a group by to disk under its
    -- memory_limit, while the distinct ran out of memory (54M events, 1 GB limit).
    select
        events.customer_id,
        events.event_type,
        events.occurred_at,
        events.event_date,
        count(*) as source_rows
    from events
    inner join feature_window
        on
            events.event_date >= cast(feature_window.first_day as date)
            and events.event_date <= feature_window.last_day
    group by 1, 2, 3, 4

)

select * from deduplicated

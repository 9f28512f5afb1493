-- Candidate for segment_lifecycle_transitions: published only when every test on every candidate
-- passes. One row per pair of consecutive as-of dates per origin lifecycle stage per destination
-- stage (as segment_transitions does for segments): customers moving, and that count as a rate of
-- the origin (rates per origin and date sum to 1). Customers whose first purchase falls between
-- the two dates have no origin and are not counted.

with

history as (

    select * from {{ ref('candidate_segment_history') }}

),

as_of_dates as (

    select
        as_of_date,
        lead(as_of_date) over (order by as_of_date) as next_as_of_date
    from {{ ref('int_as_of_dates') }}

),

moves as (

    select
        as_of_dates.as_of_date as from_as_of_date,
        as_of_dates.next_as_of_date as to_as_of_date,
        origin.lifecycle_stage as from_lifecycle_stage,
        destination.lifecycle_stage as to_lifecycle_stage
    from as_of_dates
    inner join history as origin
        on as_of_dates.as_of_date = origin.as_of_date
    inner join history as destination
        on
            origin.customer_id = destination.customer_id
            and as_of_dates.next_as_of_date = destination.as_of_date

),

counted as (

    select
        from_as_of_date,
        to_as_of_date,
        from_lifecycle_stage,
        to_lifecycle_stage,
        count(*) as n_customers
    from moves
    group by from_as_of_date, to_as_of_date, from_lifecycle_stage, to_lifecycle_stage

),

final as (

    select
        from_as_of_date,
        to_as_of_date,
        cast(from_lifecycle_stage as {{ dbt.type_string() }}) as from_lifecycle_stage,
        cast(to_lifecycle_stage as {{ dbt.type_string() }}) as to_lifecycle_stage,
        cast(n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(n_customers as {{ type_double() }}) / sum(n_customers) over (
            partition by from_as_of_date, from_lifecycle_stage
        ) as transition_rate,
        from_lifecycle_stage = to_lifecycle_stage as is_same_stage
    from counted

)

select * from final
order by from_as_of_date, from_lifecycle_stage, to_lifecycle_stage

-- Candidate for segment_transitions: published only when every test on every candidate passes.
-- One row per pair of consecutive as-of dates per origin segment per destination segment: how
-- many customers in the origin segment at the earlier date were in the destination segment at
-- the later one, and that count as a rate of the origin (rates per origin and date sum to 1).
-- Customers whose first purchase falls between the two dates have no origin and are not counted.

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
        origin.segment_id as from_segment_id,
        destination.segment_id as to_segment_id
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
        from_segment_id,
        to_segment_id,
        count(*) as n_customers
    from moves
    group by from_as_of_date, to_as_of_date, from_segment_id, to_segment_id

),

final as (

    select
        from_as_of_date,
        to_as_of_date,
        cast(from_segment_id as {{ dbt.type_int() }}) as from_segment_id,
        cast(to_segment_id as {{ dbt.type_int() }}) as to_segment_id,
        cast(n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(n_customers as {{ type_double() }}) / sum(n_customers) over (
            partition by from_as_of_date, from_segment_id
        ) as transition_rate,
        from_segment_id = to_segment_id as is_same_segment
    from counted

)

select * from final
order by from_as_of_date, from_segment_id, to_segment_id

{#
    month_transitions(state, state_type, same_name) -> the select of a transitions model: per
    pair of consecutive as-of dates, per origin and destination value of candidate_segment_history's
    column `state` (segment_id, lifecycle_stage), the customers moving and that count as a rate of
    the origin (rates per origin and date sum to 1); `same_name` is the flag of staying put. Columns
    from_<state>, to_<state> of type state_type. Customers without a row at the earlier date (first
    purchase between the two dates) have no origin and are not counted.
#}
{% macro month_transitions(state, state_type, same_name) %}

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
        origin.{{ state }} as from_{{ state }},
        destination.{{ state }} as to_{{ state }}
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
        from_{{ state }},
        to_{{ state }},
        count(*) as n_customers
    from moves
    group by from_as_of_date, to_as_of_date, from_{{ state }}, to_{{ state }}

),

final as (

    select
        from_as_of_date,
        to_as_of_date,
        cast(from_{{ state }} as {{ state_type }}) as from_{{ state }},
        cast(to_{{ state }} as {{ state_type }}) as to_{{ state }},
        cast(n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(n_customers as {{ type_double() }}) / sum(n_customers) over (
            partition by from_as_of_date, from_{{ state }}
        ) as transition_rate,
        from_{{ state }} = to_{{ state }} as {{ same_name }}
    from counted

)

select * from final
order by from_as_of_date, from_{{ state }}, to_{{ state }}
{% endmacro %}

-- One row per as-of date: the build's as-of date (var as_of_date, default the latest valid order
-- date) and the last day of each of the history_months months before it. A default that sits
-- after a long empty gap (no order in the as_of_gap_days before it, in an input of at least
-- as_of_gap_min_orders valid orders) is one stray date, not "now": the build stops and asks for
-- var as_of_date (assert_as_of_date_not_after_a_gap).
{%- set history_months = var('history_months') | int %}
{%- if not var('as_of_date', none) %}{{ assert_as_of_date_not_after_a_gap(ref('stg_raw__orders')) }}{% endif %}

with

orders as (

    select * from {{ ref('stg_raw__orders') }}

),

latest as (

    {%- if var('as_of_date', none) %}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else %}
    select max(order_date) as as_of_date
    from orders
    where invalid_reason is null
    {%- endif %}

),

as_of_dates as (

    select
        as_of_date,
        0 as months_before,
        true as is_latest
    from latest
    where as_of_date is not null
    {%- for months_before in range(1, history_months + 1) %}

    union all

    select
        cast({{ dbt.last_day(dbt.dateadd('month', -months_before, 'as_of_date'), 'month') }} as date)
            as as_of_date,
        {{ months_before }} as months_before,
        false as is_latest
    from latest
    where as_of_date is not null
    {%- endfor %}

)

select * from as_of_dates

-- One row per as-of date: the build's as-of date (var as_of_date, default the latest valid order
-- date) and the last day of each of the history_months months before it.
{%- set history_months = var('history_months') | int %}

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

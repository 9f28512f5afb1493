-- One row per customer, invalid reason (null for usable rows) and as-of period: how many raw event
-- rows fall in it and the latest event date among them. The period of an event is the first as-of
-- date on or after its date; rows after the latest as-of date (or without a date) have a null
-- as_of_date.
--
-- The one full scan of the events (the largest input, 540M rows at 10M customers): the last-seen
-- dates of the features and every events figure of data_quality_issues are read from this table
-- instead of from the raw rows. The periods come from a case over the as-of dates, read when the
-- model runs, rather than from a join of every event to every as-of date.
-- depends_on: {{ ref('int_as_of_dates') }}
{%- set as_of_dates = [] %}
{%- if execute %}
    {%- set rows = run_query("select as_of_date from " ~ ref('int_as_of_dates') ~ " order by as_of_date") %}
    {%- for row in rows.rows %}
        {%- do as_of_dates.append(row[0] | string) %}
    {%- endfor %}
{%- endif %}

with

events as (

    select * from {{ ref('stg_raw__events') }}

),

periods as (

    select
        customer_id,
        invalid_reason,
        invalid_value,
        event_date,
        {%- if as_of_dates %}
        case
            {%- for as_of_date in as_of_dates %}
            when event_date <= cast('{{ as_of_date }}' as date) then cast('{{ as_of_date }}' as date)
            {%- endfor %}
        end as as_of_date
        {%- else %}
        cast(null as date) as as_of_date
        {%- endif %}
    from events

),

summarized as (

    select
        customer_id,
        invalid_reason,
        as_of_date,
        count(*) as event_rows,
        max(event_date) as last_event_date,
        min(invalid_value) as example_invalid_value
    from periods
    group by 1, 2, 3

)

select * from summarized

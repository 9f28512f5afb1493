{#
    parse_timestamp(column, layout='month_first') -> a UTC timestamp (no time zone), or null when
    unparseable.

    Accepts ISO 8601 with or without an offset ('2026-01-31 10:00:00', '2026-01-31T10:00:00Z',
    '2026-01-31T12:00:00+02:00'), dates alone, '2026/01/31', day-first dotted dates
    ('31.01.2026'), and, by layout (see timestamp_layout): 'day_first' reads '31/01/2026' and
    '31-01-2026', 'month_first' reads '01/31/2026' and '01-31-2026', 'iso' neither; a strptime
    pattern (contains `%`) reads only values of that pattern. Values that carry an offset are
    converted to UTC; values without one are taken as UTC.
#}
{% macro parse_timestamp(column, layout='month_first') -%}
    {{ return(adapter.dispatch('parse_timestamp', 'customer_segments')(column, layout)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column, layout='month_first') -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_timestamp(column, layout='month_first') -%}
    {%- set text = "trim(cast(" ~ column ~ " as varchar))" -%}
    {%- if '%' in layout -%}
    try_strptime({{ text }}, '{{ layout | replace("'", "''") }}')
    {%- else -%}
    {%- set patterns = ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y'] -%}
    {%- if layout in ('day_first', 'month_first') -%}
        {%- set day_month = '%d/%m/%Y' if layout == 'day_first' else '%m/%d/%Y' -%}
        {%- for separator in ['/', '-'] -%}
            {%- set date_pattern = day_month | replace('/', separator) -%}
            {%- do patterns.extend([date_pattern ~ ' %H:%M:%S', date_pattern ~ ' %H:%M', date_pattern]) -%}
        {%- endfor -%}
    {%- endif %}
    coalesce(
        timezone('UTC', try_cast({{ text }} as timestamptz)),
        try_strptime({{ text }}, ['{{ patterns | join("', '") }}'])
    )
    {%- endif -%}
{%- endmacro %}

{% macro spark__parse_timestamp(column, layout='month_first') -%}
    {%- set text = "trim(cast(" ~ column ~ " as string))" -%}
    coalesce(
        try_cast({{ text }} as timestamp),
        {%- for pattern in ['yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd', 'dd.MM.yyyy HH:mm:ss', 'dd.MM.yyyy', 'MM/dd/yyyy HH:mm:ss', 'MM/dd/yyyy'] %}
        try_to_timestamp({{ text }}, '{{ pattern }}'){{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

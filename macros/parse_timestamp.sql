{#
    parse_timestamp(column) -> a UTC timestamp (no time zone), or null when unparseable.

    Accepts ISO 8601 with or without an offset ('2026-01-31 10:00:00', '2026-01-31T10:00:00Z',
    '2026-01-31T12:00:00+02:00'), dates alone, and a few common day/month layouts. Values that carry
    an offset are converted to UTC; values without one are taken as UTC.
#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'customer_segments')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    coalesce(
        timezone('UTC', try_cast(trim(cast({{ column }} as varchar)) as timestamptz)),
        try_strptime(
            trim(cast({{ column }} as varchar)),
            ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y']
        )
    )
{%- endmacro %}

{% macro spark__parse_timestamp(column) -%}
    {%- set text = "trim(cast(" ~ column ~ " as string))" -%}
    coalesce(
        try_cast({{ text }} as timestamp),
        {%- for pattern in ['yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd', 'dd.MM.yyyy HH:mm:ss', 'dd.MM.yyyy', 'MM/dd/yyyy HH:mm:ss', 'MM/dd/yyyy'] %}
        try_to_timestamp({{ text }}, '{{ pattern }}'){{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

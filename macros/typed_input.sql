{#
    Typed raw columns skip the text round trip.

    A CSV input (and every bundled seed) arrives as text, so staging trims it, parses it and
    counts what fails. A Parquet file or warehouse table usually arrives typed already: casting a
    TIMESTAMP to text and parsing it back costs about four times the whole scan (measured at 1M
    customers: 98 s against 24 s for the events), and gives the same value.

    input_column_types(table_name) -> {column name (lower case): type name (upper case)} of one raw
    input, read at execution time; empty at parse time and where the engine cannot say.
#}
{% macro input_column_types(table_name) -%}
    {{ return(adapter.dispatch('input_column_types', 'customer_segments')(table_name)) }}
{%- endmacro %}

{% macro default__input_column_types(table_name) -%}
    {%- set types = {} -%}
    {%- if execute and not var(table_name ~ '_location', none) -%}
        {%- set relation = load_relation(raw_input_relation(table_name)) -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do types.update({column.name | lower: column.dtype | upper}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{% macro duckdb__input_column_types(table_name) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- set described = run_query("describe select * from " ~ raw_input(table_name)) -%}
        {%- for row in described.rows -%}
            {%- do types.update({row['column_name'] | lower: row['column_type'] | upper}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}


{#
    input_timestamp(column, source_type, table_name) -> the column as a UTC timestamp (no time
    zone), null when unparseable. Timestamps and dates are cast; a timestamp with a time zone is
    converted to UTC; text goes through parse_timestamp, with the day/month order of that input
    (timestamp_layout: var `<table>_timestamp_format`, or detected from the data).
#}
{% macro input_timestamp(column, source_type, table_name) -%}
    {%- set kind = (source_type or '') | upper -%}
    {%- if kind in ('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ') -%}
        {{ timestamp_with_zone_to_utc(column) }}
    {%- elif kind.startswith('TIMESTAMP') or kind == 'DATE' -%}
        cast({{ column }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ parse_timestamp(column, timestamp_layout(table_name, column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro timestamp_with_zone_to_utc(column) -%}
    {{ return(adapter.dispatch('timestamp_with_zone_to_utc', 'customer_segments')(column)) }}
{%- endmacro %}

{% macro default__timestamp_with_zone_to_utc(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__timestamp_with_zone_to_utc(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}


{#
    input_is_missing(column, source_type) -> true when the raw value is absent: null, or empty
    text for a text column.
#}
{% macro input_is_missing(column, source_type) -%}
    {%- if is_text_type(source_type) -%}
        (nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '') is null)
    {%- else -%}
        ({{ column }} is null)
    {%- endif -%}
{%- endmacro %}


{#
    input_example_text(column, source_type) -> the text shown as a data_quality_issues example for
    a row of the staging model's `renamed` step. A text column keeps its raw text there as
    `source_<column>`; a typed time is its own text, cast only in the rows that show it instead of
    on every raw row.
#}
{% macro input_example_text(column, source_type) -%}
    {%- if is_text_type(source_type) -%}
        renamed.source_{{ column }}
    {%- else -%}
        cast(renamed.{{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#
    input_number(column, source_type) -> the column as a double; null when empty or not a number.
#}
{% macro input_number(column, source_type) -%}
    {%- if is_text_type(source_type) -%}
        {{ safe_to_double("nullif(trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")), '')") }}
    {%- else -%}
        cast({{ column }} as {{ type_double() }})
    {%- endif -%}
{%- endmacro %}


{# is_text_type(source_type) -> true for text and for an unknown type (the safe, parsing path). #}
{% macro is_text_type(source_type) -%}
    {%- set kind = (source_type or '') | upper -%}
    {%- set numeric_or_time = kind.startswith('TIMESTAMP') or kind in (
        'DATE', 'DOUBLE', 'FLOAT', 'REAL', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT',
        'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT', 'INT', 'LONG', 'SHORT', 'BYTE'
    ) or kind.startswith('DECIMAL') -%}
    {{ return(not numeric_or_time) }}
{%- endmacro %}

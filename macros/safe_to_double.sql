{#
    safe_to_double(expression) -> expression as a double, or null when it is not a number.
    (dbt.safe_cast is a plain cast on DuckDB, which fails the query on the first bad value.)
#}
{% macro safe_to_double(expression) -%}
    {{ return(adapter.dispatch('safe_to_double', 'customer_segments')(expression)) }}
{%- endmacro %}

{% macro default__safe_to_double(expression) -%}
    try_cast({{ expression }} as {{ type_double() }})
{%- endmacro %}

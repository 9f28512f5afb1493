{#
    type_double() -> the name of the 64-bit floating-point type. (type_double() is 32-bit
    FLOAT on DuckDB, too coarse for money and for scoring.)
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{% macro redshift__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}

{#
    median_of(expression) -> an aggregate giving the median of expression (nulls ignored).
#}
{% macro median_of(expression) -%}
    {{ return(adapter.dispatch('median_of', 'customer_segments')(expression)) }}
{%- endmacro %}

{% macro default__median_of(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median_of(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median_of(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

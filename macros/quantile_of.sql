{#
    quantile_of(expression, quantile) -> an aggregate giving the continuous (interpolated)
    quantile of expression, 0 <= quantile <= 1 (nulls ignored).
#}
{% macro quantile_of(expression, quantile) -%}
    {{ return(adapter.dispatch('quantile_of', 'customer_segments')(expression, quantile)) }}
{%- endmacro %}

{% macro default__quantile_of(expression, quantile) -%}
    percentile_cont({{ quantile }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__quantile_of(expression, quantile) -%}
    quantile_cont({{ expression }}, {{ quantile }})
{%- endmacro %}

{% macro spark__quantile_of(expression, quantile) -%}
    percentile({{ expression }}, {{ quantile }})
{%- endmacro %}

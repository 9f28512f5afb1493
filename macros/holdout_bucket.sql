{#
    holdout_bucket(customer_id) -> an integer in [0, 10000) from the md5 of the salt var
    `holdout_salt` and the customer id: the first 8 hex digits read as an integer, modulo 10000.
    It depends on nothing but the id and the salt, so a customer keeps their bucket across builds,
    refits and segment changes, and DuckDB and Spark give the same bucket to the same id.
#}
{% macro holdout_bucket(customer_id) %}
    {{- return(adapter.dispatch('holdout_bucket', 'customer_segments')(customer_id)) -}}
{% endmacro %}

{% macro default__holdout_bucket(customer_id) -%}
    (cast(('0x' || substr(md5('{{ var("holdout_salt") }}' || '|' || {{ customer_id }}), 1, 8)) as bigint) % 10000)
{%- endmacro %}

{% macro spark__holdout_bucket(customer_id) -%}
    (cast(conv(substr(md5(concat('{{ var("holdout_salt") }}', '|', {{ customer_id }})), 1, 8), 16, 10) as bigint) % 10000)
{%- endmacro %}

{#
    holdout_threshold() -> holdout_share as a bucket count out of 10000: customers whose
    holdout_bucket is below it are held out. holdout_share must be a number from 0 (no holdout)
    to 0.5.
#}
{% macro holdout_threshold() %}
    {%- set share = var('holdout_share') %}
    {%- if share is none or share is string or share is boolean or share < 0 or share > 0.5 %}
        {{- exceptions.raise_compiler_error(
            "var holdout_share is " ~ share ~ ": it must be a number from 0 (no holdout) to 0.5 (e.g. 0.10)"
        ) -}}
    {%- endif %}
    {{- return((share * 10000) | round | int) -}}
{% endmacro %}

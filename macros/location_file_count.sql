{#
    location_file_count(location) -> how many files a *_location path or glob matches, or none
    where the engine cannot list files in SQL (Spark: a missing path fails its own read, naming it).
#}
{% macro location_file_count(location) -%}
    {{ return(adapter.dispatch('location_file_count', 'customer_segments')(location)) }}
{%- endmacro %}

{% macro default__location_file_count(location) -%}
    {%- set escaped = (location | trim | replace("'", "''")) -%}
    {%- set matched = run_query("select count(*) as n from glob('" ~ escaped ~ "')") -%}
    {{ return(matched.columns[0].values()[0]) }}
{%- endmacro %}

{% macro spark__location_file_count(location) -%}
    {{ return(none) }}
{%- endmacro %}

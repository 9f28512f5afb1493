{#
    build_started_at() -> a SQL timestamp literal (UTC): when this dbt invocation started
    (dbt's run_started_at). Rows dated after it are `in_the_future`. Var `build_started_at`
    ('YYYY-MM-DD HH:MM:SS') replaces it, for replaying a past build.
#}
{% macro build_started_at() -%}
    {%- set stamp = var('build_started_at', none) or run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
    cast('{{ stamp }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

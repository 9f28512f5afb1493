{#-
    post-hook of an incremental dbt Python model on DuckDB: drop the tables dbt-duckdb (1.11) stages
    the new rows in. For a Python model it writes them to a real table
    `<model>__dbt_tmp<timestamp>` in the connection's default schema (`main`), which it treats as
    temporary and never drops, so every incremental run of segment_model_registry (each daily
    build) left one more table where BI users browse. The hook runs after the rows are merged;
    a leftover of an earlier, failed run goes too.
-#}
{% macro drop_python_staging_tables() %}
    {%- if not execute or target.type != 'duckdb' %}
        {{- return('') }}
    {%- endif %}
    {%- set prefix = this.identifier ~ '__dbt_tmp' %}
    {%- set leftovers = run_query(
        "select table_schema, table_name from information_schema.tables"
        ~ " where table_catalog = current_database() and starts_with(table_name, '" ~ prefix ~ "')"
    ) %}
    {%- for row in leftovers.rows %}
        {%- do run_query('drop table if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') %}
    {%- endfor %}
    {{- return('') }}
{% endmacro %}

{#
    raw_input(table_name) -> a relation expression for one raw input table.

    Always records the dbt source (so lineage shows it). Then:
    - var `<table>_location` set: a DuckDB reader over that Parquet or CSV path/glob (CSV read as
      text, so staging does every cast and counts what fails);
    - var raw_schema set: the source table in the warehouse;
    - otherwise: the bundled sample seed `raw_<table>` (a ref, so dbt loads it first; it is the
      same table the source points at).
    When an optional input is not provided (see raw_input_provided), staging does not call this.
#}
{% macro raw_input(table_name) -%}
    {%- do source('raw', table_name) -%}
    {%- set location = var(table_name ~ '_location', none) -%}
    {%- if location -%}
        {{ read_location(location) }}
    {%- else -%}
        {{ raw_input_relation(table_name) }}
    {%- endif -%}
{%- endmacro %}


{#
    raw_input_relation(table_name) -> the relation behind raw_input when it is a table (the
    warehouse source or the bundled seed).
#}
{% macro raw_input_relation(table_name) -%}
    {%- if var('raw_schema', none) -%}
        {{ return(source('raw', table_name)) }}
    {%- else -%}
        {{ return(ref('raw_' ~ table_name)) }}
    {%- endif -%}
{%- endmacro %}


{#
    read_location(location) -> a relation expression reading a Parquet or CSV path or glob.
    DuckDB: read_parquet(...) or read_csv(...) (CSV: header row, every column as text, BOM and
    CRLF handled by DuckDB's reader). Spark: parquet.`path` (Parquet only).
#}
{% macro read_location(location) -%}
    {{ return(adapter.dispatch('read_location', 'customer_segments')(location)) }}
{%- endmacro %}

{% macro default__read_location(location) -%}
    {%- set path = location | trim -%}
    {%- set lowered = path | lower -%}
    {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
        read_csv({{ quoted }}, header = true, all_varchar = true, union_by_name = true)
    {%- elif lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        read_parquet({{ quoted }}, union_by_name = true)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "Input location '" ~ path ~ "' must end in .parquet, .pq, .csv, .csv.gz or .tsv"
            ~ " (a path or a glob read by DuckDB)."
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__read_location(location) -%}
    {%- set path = location | trim -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        parquet.`{{ path | replace('`', '``') }}`
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "Input location '" ~ path ~ "': on Spark a *_location must be Parquet (.parquet, .pq);"
            ~ " load CSV into tables and point raw_schema at them."
        ) }}
    {%- endif -%}
{%- endmacro %}

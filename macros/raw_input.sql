{#
    raw_input(table_name) -> a relation expression for one raw input table.

    Always records the dbt source (so lineage shows it). When the var `<table>_location` is set,
    returns a DuckDB reader over that Parquet or CSV path/glob instead; CSV is read as text so that
    staging does every cast (and counts what fails). When the input is not provided at all (see
    raw_input_provided), staging does not call this macro.
#}
{% macro raw_input(table_name) -%}
    {%- set source_relation = source('raw', table_name) -%}
    {%- set location = var(table_name ~ '_location', none) -%}
    {%- if location -%}
        {{ read_location(location) }}
    {%- else -%}
        {{ source_relation }}
    {%- endif -%}
{%- endmacro %}


{#
    read_location(location) -> read_parquet(...) or read_csv(...) for a path or glob.
    CSV: header row, every column as text, BOM and CRLF handled by DuckDB's reader.
#}
{% macro read_location(location) -%}
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

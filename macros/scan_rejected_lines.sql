{#
    rejected_lines_inputs() -> the inputs read from CSV in this build (the ones that can have
    rejected lines).
#}
{% macro rejected_lines_inputs() -%}
    {%- set inputs = [] -%}
    {%- for table_name in ['orders', 'customers', 'events'] -%}
        {%- if raw_input_provided(table_name) and is_csv_location(var(table_name ~ '_location', none)) -%}
            {%- do inputs.append(table_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{%- endmacro %}


{#
    scan_rejected_lines(table_name, step) -> one pre-hook statement of stg_raw__rejected_lines:
    steps 'drop' and 'drop_scan' drop that input's temporary rejects tables (DuckDB appends to
    them), step 'scan'
    reads the input once with store_rejects (the columns staging reads: raw_line_count), filling
    temp.<table>_rejected_lines and its _scan table. A no-op for an input not read from CSV.
#}
{% macro scan_rejected_lines(table_name, step) -%}
    {%- if table_name not in rejected_lines_inputs() -%}
        select 1
    {%- elif step == 'drop' -%}
        drop table if exists temp.{{ table_name }}_rejected_lines
    {%- elif step == 'drop_scan' -%}
        drop table if exists temp.{{ table_name }}_rejected_lines_scan
    {%- else -%}
        select {{ raw_line_count(table_name) }} from {{ read_location(var(table_name ~ '_location'), table_name, table_name ~ '_rejected_lines') }}
    {%- endif -%}
{%- endmacro %}

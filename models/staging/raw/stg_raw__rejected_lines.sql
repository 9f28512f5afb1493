-- One row per line of a CSV input that DuckDB's reader could not read (invalid UTF-8): the
-- input, file, line number, column, error and the line as read.
-- Staging skips these lines; this model reads each CSV input once more in its pre-hooks, with
-- read_csv's store_rejects, into temporary tables of this connection, and keeps them. Empty
-- when no input is a CSV file.
{%- set inputs = ['orders', 'customers', 'events'] %}
{%- set hooks = [] %}
{%- for table_name in inputs %}
{%- for step in ['drop', 'drop_scan', 'scan'] %}
{%- do hooks.append("{{ scan_rejected_lines('" ~ table_name ~ "', '" ~ step ~ "') }}") %}
{%- endfor %}
{%- endfor %}
{{ config(pre_hook=hooks) }}
{%- set csv_inputs = rejected_lines_inputs() %}

with

{% for table_name in csv_inputs %}
{{ table_name }}_rejected as (

    select
        '{{ table_name }}' as input_table,
        scans.file_path,
        errors.line as line_number,
        errors.column_name,
        errors.error_type,
        errors.csv_line,
        errors.error_message
    from temp.{{ table_name }}_rejected_lines as errors
    left join temp.{{ table_name }}_rejected_lines_scan as scans
        on
            errors.scan_id = scans.scan_id
            and errors.file_id = scans.file_id

),

{% endfor %}
rejected as (

    {%- for table_name in csv_inputs %}
    select * from {{ table_name }}_rejected
    union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as input_table,
        cast(null as {{ dbt.type_string() }}) as file_path,
        cast(null as {{ dbt.type_bigint() }}) as line_number,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as error_type,
        cast(null as {{ dbt.type_string() }}) as csv_line,
        cast(null as {{ dbt.type_string() }}) as error_message
    where 1 = 0

)

select * from rejected

{#
    input_read_columns(table_name) -> the raw columns staging reads from one input (its required
    columns, plus the extra-field columns of a CSV input).

    raw_line_count(table_name) -> a SQL aggregate counting the input's rows as staging reads them.
    A CSV line the reader rejects (invalid UTF-8 in a column) is only rejected when that column
    is read, and a bare count(*) reads none: it would count lines staging never sees. So the
    count reads the same columns staging does, as does the rejects scan (scan_rejected_lines).
    Only a CSV location rejects lines: any other input (Parquet, a table, a model) is counted with
    count(*), which reads no column (casting every order's time and amount to text to measure it
    was a quarter of data_quality_issues at 10M customers).
#}
{% macro input_read_columns(table_name) -%}
    {%- set columns = {
        'orders': ['order_id', 'customer_id', 'ordered_at', 'amount'],
        'customers': ['customer_id', 'signed_up_at'],
        'events': ['customer_id', 'occurred_at', 'event_type'],
    }[table_name] -%}
    {%- if is_csv_location(var(table_name ~ '_location', none)) -%}
        {{ return(columns + ['_extra_field_1', '_extra_field_2']) }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro raw_line_count(table_name) -%}
    {%- if not is_csv_location(var(table_name ~ '_location', none)) -%}
    count(*)
    {%- else -%}
    {%- set lengths = [] -%}
    {%- for column in input_read_columns(table_name) -%}
        {%- do lengths.append("coalesce(length(cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")), 0)") -%}
    {%- endfor -%}
    sum(case when {{ lengths | join(' + ') }} >= 0 then 1 else 0 end)
    {%- endif -%}
{%- endmacro %}

{#
    has_extra_fields(table_name) -> a SQL boolean: the raw line had more fields than the header.
    Only a CSV input can have them (read_location adds `_extra_field_1`, `_extra_field_2`); for
    Parquet and tables: false. An empty extra field (a trailing delimiter) is not one.
#}
{% macro has_extra_fields(table_name) -%}
    {%- if is_csv_location(var(table_name ~ '_location', none)) -%}
        (
            nullif(trim(_extra_field_1), '') is not null
            or nullif(trim(_extra_field_2), '') is not null
        )
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}


{# extra_fields_text(table_name) -> the extra fields as text (an example for data_quality_issues). #}
{% macro extra_fields_text(table_name) -%}
    {%- if is_csv_location(var(table_name ~ '_location', none)) -%}
        concat_ws(',', _extra_field_1, _extra_field_2)
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

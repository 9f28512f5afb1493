{#
    assert_input_columns(table_name, required_columns) -> nothing; raises a clear error.

    Runs at execution time before a staging model reads its raw input. Names the input (var and
    path, or source table), and says what is wrong: a location that matches no file, or required
    columns that are missing (with the columns that were found).
#}
{% macro assert_input_columns(table_name, required_columns) %}
    {%- if execute -%}
        {%- set location = var(table_name ~ '_location', none) -%}
        {%- if location -%}
            {%- set described = table_name ~ "_location '" ~ location ~ "'" -%}
            {%- set matched = location_file_count(location) -%}
            {%- if matched == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Input " ~ described ~ " matches no file. Check the path (relative paths"
                    ~ " are resolved from the directory dbt runs in)."
                ) }}
            {%- endif -%}
        {%- elif var(table_name ~ '_model', none) -%}
            {%- set described = table_name ~ "_model '" ~ var(table_name ~ '_model') ~ "' (" ~ raw_input_relation(table_name) ~ ")" -%}
        {%- else -%}
            {%- set described = "source raw." ~ table_name ~ " (" ~ source('raw', table_name) ~ ")" -%}
        {%- endif -%}
        {%- set probe = run_query("select * from " ~ raw_input(table_name) ~ " limit 0") -%}
        {%- set found = probe.column_names | map('lower') | reject('in', ['_extra_field_1', '_extra_field_2']) | list -%}
        {%- set missing = [] -%}
        {%- for column in required_columns -%}
            {%- if column | lower not in found -%}
                {%- do missing.append(column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "Input " ~ described ~ " is missing required column(s): " ~ (missing | join(', '))
                ~ ". Found: " ~ (found | join(', ')) ~ "."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

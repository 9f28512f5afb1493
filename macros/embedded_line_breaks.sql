{#
    embedded_line_breaks(columns) -> a SQL integer: how many line breaks the raw text columns hold
    together. In an id, timestamp or amount a line break is never data: an unterminated quote made
    the CSV reader read on, swallowing the lines after it into one field.
#}
{% macro embedded_line_breaks(columns) -%}
    {%- set counts = [] -%}
    {%- for column in columns -%}
        {%- set text = "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')" -%}
        {%- do counts.append("(length(" ~ text ~ ") - length(replace(" ~ text ~ ", chr(10), '')))") -%}
    {%- endfor -%}
    ({{ counts | join(' + ') }})
{%- endmacro %}

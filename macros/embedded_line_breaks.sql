{#
    embedded_line_breaks(columns, column_types) -> a SQL integer: how many line breaks the raw text
    columns hold together. In an id, timestamp or amount a line break is never data: an unterminated
    quote made the CSV reader read on, swallowing the lines after it into one field.

    column_types ({column: type}, from input_column_types) leaves out the typed columns: a
    TIMESTAMP or DOUBLE cannot hold a line break, and casting it to text on every row to look for
    one cost about a quarter of the orders' staging at 1M customers. A text column is only split
    and measured when it holds a line break at all.
#}
{% macro embedded_line_breaks(columns, column_types={}) -%}
    {%- set counts = [] -%}
    {%- for column in columns if is_text_type(column_types.get(column)) -%}
        {%- set text = "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- do counts.append(
            "case when instr(" ~ text ~ ", chr(10)) > 0 then length(" ~ text ~ ") - length(replace("
            ~ text ~ ", chr(10), '')) else 0 end"
        ) -%}
    {%- endfor -%}
    {%- if counts -%}
        ({{ counts | join(' + ') }})
    {%- else -%}
        0
    {%- endif -%}
{%- endmacro %}

{#
    float_literal(value) -> a double-precision SQL literal with every digit of a Python float.

    A plain decimal literal such as 0.12345678901234567 is typed DECIMAL by DuckDB (and others),
    which rounds in arithmetic; exponent notation ('...e0') makes it a double everywhere.
#}
{% macro float_literal(value) -%}
    {%- set text = value | string -%}
    {%- if 'e' in text or 'E' in text -%}
        {{ text }}
    {%- else -%}
        {{ text }}e0
    {%- endif -%}
{%- endmacro %}

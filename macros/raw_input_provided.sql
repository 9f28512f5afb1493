{#
    raw_input_provided(table_name) -> true when that raw input exists for this build.

    orders are always required. customers and events are optional:
    - `<table>_location` or `<table>_model` set: provided (a file, a dbt model).
    - orders come from a file or a model but this table's location and model are unset: not
      provided.
    - warehouse tables (raw_schema set): provided unless `<table>_table` is set to ''.
    - otherwise (the bundled sample seeds): provided.
#}
{% macro raw_input_provided(table_name) -%}
    {%- if table_name == 'orders' or var(table_name ~ '_location', none) or var(table_name ~ '_model', none) -%}
        {{ return(true) }}
    {%- elif var('orders_location', none) or var('orders_model', none) -%}
        {{ return(false) }}
    {%- elif var('raw_schema', none) -%}
        {{ return((var(table_name ~ '_table', '') or '') | length > 0) }}
    {%- else -%}
        {{ return(true) }}
    {%- endif -%}
{%- endmacro %}

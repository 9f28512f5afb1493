{#
    timestamp_layout(table_name, column) -> how to read the numeric dates of one text timestamp
    column: 'day_first' (31/12/1997), 'month_first' (12/31/1997), 'iso' (no such dates), or a
    strptime pattern. From var `<table>_timestamp_format`:

    - a pattern with `%` (e.g. '%Y%m%d'), 'day_first', 'month_first' or 'iso': used as given;
      values it does not read are counted `unparseable_timestamp`;
    - 'auto' (the default): decided from the data. Among values shaped `nn/nn/yyyy` (or with `-`),
      a first field above 12 can only be a day, a second field above 12 only a day too: one kind
      of evidence decides; both kinds at once (mixed layouts), or such dates with neither (every
      one could be read both ways), stop the build with an error naming the var to set. Never a
      silent guess. Dotted dates (31.12.1997) are always day-first, as everywhere they are used.
      (DuckDB; on other engines 'auto' reads month-first.)
#}
{% macro timestamp_layout(table_name, column) %}
    {%- set var_name = table_name ~ '_timestamp_format' -%}
    {%- set setting = (var(var_name, 'auto') or 'auto') | string | trim -%}
    {%- if '%' in setting -%}
        {{ return(setting) }}
    {%- elif setting in ('day_first', 'month_first', 'iso') -%}
        {{ return(setting) }}
    {%- elif setting != 'auto' -%}
        {{ exceptions.raise_compiler_error(
            "Var " ~ var_name ~ " is '" ~ setting ~ "': use auto, day_first, month_first, iso or a"
            ~ " strptime pattern such as '%Y%m%d'."
        ) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('iso') }}
    {%- elif target.type != 'duckdb' -%}
        {#- Detection is DuckDB SQL; elsewhere 'auto' keeps the month-first reading. -#}
        {{ return('month_first') }}
    {%- endif -%}
    {%- set text = "trim(cast(" ~ column ~ " as varchar))" -%}
    {%- set shape = "'^([0-9]{1,2})[/-]([0-9]{1,2})[/-][0-9]{4}([^0-9]|$)'" -%}
    {%- set evidence = run_query(
        "with dated as (select " ~ text ~ " as value,"
        ~ " try_cast(regexp_extract(" ~ text ~ ", " ~ shape ~ ", 1) as integer) as first_field,"
        ~ " try_cast(regexp_extract(" ~ text ~ ", " ~ shape ~ ", 2) as integer) as second_field"
        ~ " from " ~ raw_input(table_name) ~ " where regexp_matches(" ~ text ~ ", " ~ shape ~ "))"
        ~ " select count(*) as n_dates,"
        ~ " count(*) filter (where first_field > 12) as n_day_first,"
        ~ " count(*) filter (where second_field > 12) as n_month_first,"
        ~ " min(value) filter (where first_field > 12) as day_first_example,"
        ~ " min(value) filter (where second_field > 12) as month_first_example,"
        ~ " min(value) as example"
        ~ " from dated"
    ).rows[0] -%}
    {%- set where = table_name ~ "." ~ column -%}
    {%- if evidence['n_dates'] == 0 -%}
        {{ return('iso') }}
    {%- elif evidence['n_day_first'] > 0 and evidence['n_month_first'] > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Input " ~ where ~ " mixes day-first and month-first dates: "
            ~ evidence['n_day_first'] ~ " like '" ~ evidence['day_first_example'] ~ "' and "
            ~ evidence['n_month_first'] ~ " like '" ~ evidence['month_first_example'] ~ "'."
            ~ " Fix the file, or set var " ~ var_name ~ " (day_first or month_first; the other"
            ~ " dates are then counted unparseable_timestamp)."
        ) }}
    {%- elif evidence['n_day_first'] > 0 -%}
        {{ log("Input " ~ where ~ ": day-first dates (e.g. '" ~ evidence['day_first_example']
            ~ "'; " ~ evidence['n_day_first'] ~ " have a first field above 12). Var "
            ~ var_name ~ " overrides this.", info=true) }}
        {{ return('day_first') }}
    {%- elif evidence['n_month_first'] > 0 -%}
        {{ log("Input " ~ where ~ ": month-first dates (e.g. '" ~ evidence['month_first_example']
            ~ "'; " ~ evidence['n_month_first'] ~ " have a second field above 12). Var "
            ~ var_name ~ " overrides this.", info=true) }}
        {{ return('month_first') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "Input " ~ where ~ " has " ~ evidence['n_dates'] ~ " dates like '" ~ evidence['example']
            ~ "' that read as day-first or as month-first (no field is above 12). Set var "
            ~ var_name ~ " to day_first or month_first (e.g. --vars '{" ~ var_name
            ~ ": day_first}')."
        ) }}
    {%- endif -%}
{% endmacro %}

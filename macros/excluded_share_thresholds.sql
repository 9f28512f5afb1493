{#
    excluded_share_thresholds() -> [(input_table, issue or none, level, condition), ...]: the
    loss thresholds of data_quality_within_thresholds, most specific first.

    Var max_excluded_share: per input, {warn_if: '> 0.01', error_if: '> 0.05'} (dbt's own
    warn_if / error_if style, on the share of the input's lines one reason excludes). Var
    max_excluded_share_by_reason: per input and reason, the same, overriding the input's. A
    level set to null never fires. An input missing from the vars keeps the defaults below.
#}
{% macro excluded_share_thresholds() %}
    {%- set defaults = {'warn_if': '> 0.01', 'error_if': '> 0.05'} -%}
    {%- set by_input = var('max_excluded_share', {}) or {} -%}
    {%- set by_reason = var('max_excluded_share_by_reason', {}) or {} -%}
    {%- set thresholds = [] -%}
    {%- for table_name in ['orders', 'customers', 'events'] -%}
        {%- for issue, levels in (by_reason.get(table_name) or {}).items() -%}
            {%- for level in ['error_if', 'warn_if'] -%}
                {%- do thresholds.append((table_name, issue, level,
                    share_condition(levels.get(level), 'max_excluded_share_by_reason'))) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set levels = by_input.get(table_name, defaults) or {} -%}
        {%- for level in ['error_if', 'warn_if'] -%}
            {%- do thresholds.append((table_name, none, level,
                share_condition(levels.get(level, defaults[level]), 'max_excluded_share'))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(thresholds) }}
{% endmacro %}


{#
    share_condition(condition, var_name) -> the condition ('> 0.05', '>=0.1') checked and
    normalized, or none for a level that never fires. Raises naming the var on anything else.
#}
{% macro share_condition(condition, var_name) %}
    {%- if condition is none or (condition | string | trim | lower) in ('', 'none', 'null', 'never') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set matched = modules.re.match('^\\s*(>=|<=|!=|>|<|=)\\s*([0-9]*\\.?[0-9]+)\\s*$', condition | string) -%}
    {%- if not matched -%}
        {{ exceptions.raise_compiler_error(
            "Var " ~ var_name ~ ": '" ~ condition ~ "' is not a threshold; write it as dbt's"
            ~ " warn_if / error_if are written, e.g. '> 0.05' (a share of the input's lines), or null."
        ) }}
    {%- endif -%}
    {{ return(matched.group(1) ~ ' ' ~ matched.group(2)) }}
{% endmacro %}

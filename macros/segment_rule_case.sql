{#
    segment_rule_case() -> a SQL CASE expression giving the rule_id of the explainer rule whose
    predicate a row of feature columns satisfies (the rules partition the feature space, so
    exactly one matches). Reads the rules from int_segment_rules_fitted at execution time.
#}
{% macro segment_rule_case() %}
    {%- set rules_relation = ref('int_segment_rules_fitted') -%}
    {%- if not execute -%}
        {{ return("cast(null as " ~ dbt.type_string() ~ ")") }}
    {%- endif -%}
    {%- set rules = run_query("select rule_id, rule_sql from " ~ rules_relation ~ " order by rule_id") -%}
    {%- set expression -%}
        case
            {%- for rule in rules.rows %}
            when {{ rule[1] }} then '{{ rule[0] }}'
            {%- endfor %}
        end
    {%- endset -%}
    {{ return(expression) }}
{% endmacro %}

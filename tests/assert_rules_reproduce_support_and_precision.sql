-- Run every rule's SQL predicate over the scored fit sample: each customer matches exactly one
-- rule (no overlap, no gap), and the counts and precision equal what segment_rules reports.
-- Linted as dbt runs it, with stand-in rules from run_query (build-support/sqlfluff_libs):
-- sqlfluff:templater:jinja:context:execute:True
{%- if execute %}
{%- set rules_relation = ref('candidate_segment_rules') %}
{%- set rule_rows = run_query("select rule_id, rule_sql from " ~ rules_relation ~ " order by rule_id").rows %}
{%- else %}
{%- set rule_rows = [] %}
{%- endif %}
{%- set match_columns = [] %}
{%- for rule in rule_rows %}
{%- do match_columns.append('matches_' ~ loop.index0) %}
{%- endfor %}

with

sample as (

    select * from {{ ref('int_scored_fit_sample') }}

),

rules as (

    select * from {{ ref('candidate_segment_rules') }}

),

matched as (

    select
        customer_id,
        {%- for rule in rule_rows %}
        case when {{ rule[1] }} then 1 else 0 end as matches_{{ loop.index0 }},
        {%- endfor %}
        top_segment_id
    from sample

),

{% if execute %}
per_rule as (

    {%- for rule in rule_rows %}
    select
        '{{ rule[0] }}' as rule_id,
        sum(matches_{{ loop.index0 }}) as sql_customers,
        sum(
            case
                when matches_{{ loop.index0 }} = 1 and top_segment_id = (
                    select rules.segment_id from rules
                    where rules.rule_id = '{{ rule[0] }}'
                ) then 1
                else 0
            end
        ) as sql_in_segment
    from matched
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

rule_match_counts as (

    select
        customer_id,
        {{ match_columns | join(' + ') }} as matching_rules
    from matched

),
{% endif %}

problems as (

    {%- if execute %}
    select
        per_rule.rule_id as what,
        'reported ' || rules.n_customers || ' customers / precision ' || rules.rule_precision
        || ', SQL gives ' || per_rule.sql_customers || ' / ' || per_rule.sql_in_segment as problem
    from per_rule
    inner join rules
        on per_rule.rule_id = rules.rule_id
    where
        per_rule.sql_customers != rules.n_customers
        or abs(per_rule.sql_in_segment * 1.0 / nullif(per_rule.sql_customers, 0) - rules.rule_precision) > 1e-9
    union all
    select
        customer_id as what,
        'matches ' || matching_rules || ' rules' as problem
    from rule_match_counts
    where matching_rules != 1
    {%- else %}
    select
        'x' as what,
        'x' as problem
    where 1 = 0
    {%- endif %}

)

select * from problems

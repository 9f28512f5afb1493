-- Candidate for segment_rules: published only when every test on every candidate passes.
-- One row per explainer rule: a leaf of a shallow decision tree that predicts the segment from the
-- unscaled features, as readable text and as a SQL predicate, with its support, precision and
-- recall on the fit sample. The rules partition the customers: each matches exactly one.

with

rules as (

    select * from {{ ref('int_segment_rules_fitted') }}

),

segment_names as (

    select * from {{ ref('int_segment_names_derived') }}

),

final as (

    select
        cast(rules.rule_id as {{ dbt.type_string() }}) as rule_id,
        cast(rules.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(segment_names.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(rules.rule_text as {{ dbt.type_string() }}) as rule_text,
        cast(rules.rule_sql as {{ dbt.type_string() }}) as rule_sql,
        cast(rules.n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(rules.support as {{ type_double() }}) as support,
        cast(rules.precision as {{ type_double() }}) as rule_precision,
        cast(rules.recall as {{ type_double() }}) as rule_recall,
        cast(rules.depth as {{ dbt.type_int() }}) as depth,
        cast(rules.tree_fidelity as {{ type_double() }}) as tree_fidelity,
        cast(rules.model_version as {{ dbt.type_string() }}) as model_version
    from rules
    left join segment_names
        on rules.segment_id = segment_names.segment_id

)

select * from final
order by rule_id

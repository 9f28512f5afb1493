-- One row: the candidate tables' row counts. It depends on every candidate, so dbt builds it only
-- when every candidate built and every test on them passed; each published table depends on it.
-- A failed test anywhere upstream skips the gate, and the published tables keep the last good build.
-- It also depends on data_quality_issues, so an input past its loss threshold (the
-- data_quality_within_thresholds test) publishes nothing.

with

membership as (

    select count(*) as n_rows from {{ ref('candidate_segment_membership') }}

),

profiles as (

    select count(*) as n_rows from {{ ref('candidate_segment_profiles') }}

),

rules as (

    select count(*) as n_rows from {{ ref('candidate_segment_rules') }}

),

history as (

    select count(*) as n_rows from {{ ref('candidate_segment_history') }}

),

transitions as (

    select count(*) as n_rows from {{ ref('candidate_segment_transitions') }}

),

outcomes as (

    select count(*) as n_rows from {{ ref('candidate_segment_outcomes') }}

),

validation as (

    select count(*) as n_rows from {{ ref('candidate_segment_validation') }}

),

data_quality as (

    select cast(coalesce(sum(affected_rows), 0) as {{ dbt.type_bigint() }}) as n_rows
    from {{ ref('data_quality_issues') }}
    where is_excluded

),

lifecycle_transitions as (

    select count(*) as n_rows from {{ ref('candidate_segment_lifecycle_transitions') }}

),

lifecycle_thresholds as (

    select count(*) as n_rows from {{ ref('int_lifecycle_thresholds') }}

),

forecast_validation as (

    select count(*) as n_rows from {{ ref('candidate_segment_forecast_validation') }}

),

holdout_summary as (

    select count(*) as n_rows from {{ ref('candidate_segment_holdout_summary') }}

),

final as (

    select
        membership.n_rows as membership_rows,
        profiles.n_rows as profile_rows,
        rules.n_rows as rule_rows,
        history.n_rows as history_rows,
        transitions.n_rows as transition_rows,
        outcomes.n_rows as outcome_rows,
        validation.n_rows as validation_rows,
        data_quality.n_rows as excluded_input_rows,
        lifecycle_transitions.n_rows as lifecycle_transition_rows,
        lifecycle_thresholds.n_rows as lifecycle_threshold_rows,
        forecast_validation.n_rows as forecast_validation_rows,
        holdout_summary.n_rows as holdout_summary_rows
    from membership
    cross join profiles
    cross join rules
    cross join history
    cross join transitions
    cross join outcomes
    cross join validation
    cross join data_quality
    cross join lifecycle_transitions
    cross join lifecycle_thresholds
    cross join forecast_validation
    cross join holdout_summary

)

select * from final

-- One row: the candidate tables' row counts. It depends on every candidate, so dbt builds it only
-- when every candidate built and every test on them passed; each published table depends on it.
-- A failed test anywhere upstream skips the gate, and the published tables keep the last good build.

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
        forecast_validation.n_rows as forecast_validation_rows,
        holdout_summary.n_rows as holdout_summary_rows
    from membership
    cross join profiles
    cross join rules
    cross join history
    cross join transitions
    cross join outcomes
    cross join validation
    cross join forecast_validation
    cross join holdout_summary

)

select * from final

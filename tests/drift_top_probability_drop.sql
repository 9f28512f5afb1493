-- Drift warning: customers fit the segments less clearly than at training: the mean top-segment
-- probability at the latest as-of date fell more than drift_max_probability_drop below the latest
-- model's value on its fit sample. Severity: var drift_severity (warn by default).
{{ config(severity=var('drift_severity')) }}

with

registry as (

    select * from {{ ref('segment_model_registry') }}

),

latest_model as (

    select
        model_version,
        mean_top_probability
    from registry
    where mean_top_probability is not null
    order by registered_at desc, model_version desc
    limit 1

),

current_scores as (

    select
        scores.model_version,
        avg(scores.top_probability) as mean_top_probability
    from {{ ref('int_segment_scores') }} as scores
    inner join {{ ref('int_as_of_dates') }} as as_of_dates
        on scores.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest
    group by scores.model_version

)

select
    latest_model.model_version,
    latest_model.mean_top_probability as training_mean_top_probability,
    current_scores.mean_top_probability as current_mean_top_probability
from latest_model
inner join current_scores
    on latest_model.model_version = current_scores.model_version
where
    current_scores.mean_top_probability
    < latest_model.mean_top_probability - {{ var('drift_max_probability_drop') }}

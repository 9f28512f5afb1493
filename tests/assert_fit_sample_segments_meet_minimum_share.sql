-- On the customers the model was fitted on, the SQL scorer's top segments reproduce the fit's
-- guarantee: every segment holds at least min_segment_share of them. A feature-space model was
-- fitted on int_fit_sample (the customers at the as-of date), an outcome-space model on
-- int_outcome_fit_sample (customers at past training dates), both scored in int_segment_scores.
-- With refit: false the model was fitted on an earlier build's sample, so a shift is a warning
-- (the drift tests' business), not a reason to block the daily publish.
{{ config(severity = 'error' if var('refit') | string | lower in ['true', '1', 'yes'] else 'warn') }}
{%- set spec = segment_model_spec() %}

with

samples as (

    select
        customer_id,
        as_of_date,
        'features' as segment_space
    from {{ ref('int_fit_sample') }}

    union all

    select
        customer_id,
        as_of_date,
        'outcomes' as segment_space
    from {{ ref('int_outcome_fit_sample') }}

),

sample as (

    select * from samples
    where segment_space = '{{ spec.get("space", "features") }}'

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

shares as (

    select
        scores.top_segment_id,
        count(*) * 1.0 / sum(count(*)) over () as segment_share
    from scores
    inner join sample
        on
            scores.customer_id = sample.customer_id
            and scores.as_of_date = sample.as_of_date
    group by scores.top_segment_id

)

select *
from shares
where segment_share < {{ var('min_segment_share') }}

-- One row per past as-of date whose next 90 days lie on or before the build's as-of date, so what
-- customers did in them is observed without reading anything after the build's point in time.
-- Each gets a role: the validation_months most recent are 'validation' dates, where segmentations
-- are compared; 'training' dates end their 90 days on or before the first validation date, so the
-- outcome space learnt from them has seen nothing of the validation outcomes; the dates between
-- are a 'gap' (outcomes in segment_outcomes, used for neither).
{%- set validation_months = var('validation_months') | int %}

with

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

latest as (

    select as_of_date as latest_as_of_date
    from as_of_dates
    where is_latest

),

observed as (

    select
        as_of_dates.as_of_date,
        as_of_dates.months_before,
        latest.latest_as_of_date,
        row_number() over (order by as_of_dates.as_of_date desc) as observed_rank
    from as_of_dates
    cross join latest
    where
        not as_of_dates.is_latest
        and {{ dbt.dateadd('day', 90, 'as_of_dates.as_of_date') }} <= latest.latest_as_of_date

),

validation_window as (

    select min(as_of_date) as first_validation_date
    from observed
    where observed_rank <= {{ validation_months }}

),

final as (

    select
        observed.as_of_date,
        observed.months_before,
        cast({{ dbt.dateadd('day', 90, 'observed.as_of_date') }} as date) as outcome_window_end_date,
        {{ dbt.dateadd('day', 180, 'observed.as_of_date') }} <= observed.latest_as_of_date
            as is_180d_observed,
        case
            when observed.observed_rank <= {{ validation_months }} then 'validation'
            when {{ dbt.dateadd('day', 90, 'observed.as_of_date') }} <= validation_window.first_validation_date
                then 'training'
            else 'gap'
        end as outcome_role
    from observed
    cross join validation_window

)

select * from final

-- One row: the day thresholds of the lifecycle stages, from the business's own purchase rhythm.
-- The gaps between consecutive purchase days (int_purchase_gaps) up to the build's as-of date:
-- a customer whose last purchase is at most active_days ago (the lifecycle_active_quantile of the
-- gaps) has not yet missed their next purchase; one more than lapsed_days ago (the
-- lifecycle_lapsed_quantile) has waited longer than almost any customer who did come back.
-- Vars lifecycle_active_days / lifecycle_lapsed_days override either; with fewer than
-- lifecycle_min_repeat_gaps gaps the rhythm is not known and the defaults (90 / 365) are used.
{%- set active_var = var('lifecycle_active_days', none) %}
{%- set lapsed_var = var('lifecycle_lapsed_days', none) %}
{%- set min_gaps = var('lifecycle_min_repeat_gaps') | int %}

with

gaps as (

    select * from {{ ref('int_purchase_gaps') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}
    where is_latest

),

observed as (

    select
        count(gaps.gap_days) as n_repeat_gaps,
        {{ median_of('cast(gaps.gap_days as ' ~ type_double() ~ ')') }} as median_gap_days,
        {{ quantile_of('cast(gaps.gap_days as ' ~ type_double() ~ ')', var('lifecycle_active_quantile')) }}
            as active_quantile_days,
        {{ quantile_of('cast(gaps.gap_days as ' ~ type_double() ~ ')', var('lifecycle_lapsed_quantile')) }}
            as lapsed_quantile_days
    from gaps
    inner join as_of_dates
        on gaps.order_date <= as_of_dates.as_of_date

),

derived as (

    select
        n_repeat_gaps,
        median_gap_days,
        case
            when n_repeat_gaps >= {{ min_gaps }} then cast(ceiling(active_quantile_days) as {{ dbt.type_int() }})
            else 90
        end as derived_active_days,
        case
            when n_repeat_gaps >= {{ min_gaps }} then cast(ceiling(lapsed_quantile_days) as {{ dbt.type_int() }})
            else 365
        end as derived_lapsed_days
    from observed

),

chosen as (

    select
        *,
        {{ active_var if active_var is not none else 'derived_active_days' }} as active_days,
        {{ lapsed_var if lapsed_var is not none else 'derived_lapsed_days' }} as chosen_lapsed_days
    from derived

),

final as (

    select
        as_of_dates.as_of_date,
        cast(chosen.n_repeat_gaps as {{ dbt.type_bigint() }}) as n_repeat_gaps,
        cast(chosen.median_gap_days as {{ type_double() }}) as median_gap_days,
        cast({{ var('lifecycle_active_quantile') }} as {{ type_double() }}) as active_gap_quantile,
        cast({{ var('lifecycle_lapsed_quantile') }} as {{ type_double() }}) as lapsed_gap_quantile,
        cast(chosen.derived_active_days as {{ dbt.type_int() }}) as derived_active_days,
        cast(chosen.derived_lapsed_days as {{ dbt.type_int() }}) as derived_lapsed_days,
        cast(chosen.active_days as {{ dbt.type_int() }}) as active_days,
        -- lapsed must come after active: a lapsed quantile at or under the active one is moved up
        cast(greatest(chosen.chosen_lapsed_days, chosen.active_days + 1) as {{ dbt.type_int() }})
            as lapsed_days,
        cast(case
            when {{ 'true' if active_var is not none or lapsed_var is not none else 'false' }} then 'var'
            when chosen.n_repeat_gaps >= {{ min_gaps }} then 'derived'
            else 'default'
        end as {{ dbt.type_string() }}) as threshold_source
    from chosen
    cross join as_of_dates

)

select * from final

-- Candidate for segment_holdout_summary: published only when every test on every candidate passes.
-- One row per segment of segment_membership: its customers in the treatment and holdout groups
-- now, and on the past as-of dates whose next 90 days are observed, what each group of the
-- segment's customers at that date did next (bought again, mean net spend). Before any campaign
-- the two groups match up to chance; once campaigns leave the holdout out, the difference between
-- them is what the campaigns did.

with

membership as (

    select * from {{ ref('candidate_segment_membership') }}

),

observations as (

    select
        segment_id,
        {{ holdout_bucket('customer_id') }} < {{ holdout_threshold() }} as is_holdout,
        case when orders_next_90d > 0 then 1.0e0 else 0.0e0 end as bought_again,
        spend_next_90d
    from {{ ref('int_forecast_observations') }}

),

current_groups as (

    select
        segment_id,
        max(segment_name) as segment_name,
        count(*) as n_customers,
        count(case when is_holdout then 1 end) as n_holdout
    from membership
    group by segment_id

),

observed_groups as (

    select
        segment_id,
        count(case when not is_holdout then 1 end) as n_treatment_observations,
        count(case when is_holdout then 1 end) as n_holdout_observations,
        avg(case when not is_holdout then bought_again end) as treatment_bought_again_90d_share,
        avg(case when is_holdout then bought_again end) as holdout_bought_again_90d_share,
        avg(case when not is_holdout then spend_next_90d end) as treatment_mean_net_spend_next_90d,
        avg(case when is_holdout then spend_next_90d end) as holdout_mean_net_spend_next_90d
    from observations
    group by segment_id

),

final as (

    select
        cast(current_groups.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(current_groups.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(current_groups.n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(current_groups.n_customers - current_groups.n_holdout as {{ dbt.type_bigint() }})
            as n_treatment,
        cast(current_groups.n_holdout as {{ dbt.type_bigint() }}) as n_holdout,
        cast(current_groups.n_holdout as {{ type_double() }}) / current_groups.n_customers as holdout_share,
        current_groups.n_holdout < {{ var('min_holdout_customers') | int }} as is_too_small_to_hold_out,
        cast(coalesce(observed_groups.n_treatment_observations, 0) as {{ dbt.type_bigint() }})
            as n_treatment_observations,
        cast(coalesce(observed_groups.n_holdout_observations, 0) as {{ dbt.type_bigint() }})
            as n_holdout_observations,
        cast(observed_groups.treatment_bought_again_90d_share as {{ type_double() }})
            as treatment_bought_again_90d_share,
        cast(observed_groups.holdout_bought_again_90d_share as {{ type_double() }})
            as holdout_bought_again_90d_share,
        cast(observed_groups.treatment_mean_net_spend_next_90d as {{ type_double() }})
            as treatment_mean_net_spend_next_90d,
        cast(observed_groups.holdout_mean_net_spend_next_90d as {{ type_double() }})
            as holdout_mean_net_spend_next_90d
    from current_groups
    left join observed_groups
        on current_groups.segment_id = observed_groups.segment_id

)

select * from final
order by segment_id

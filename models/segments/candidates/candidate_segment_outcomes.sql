-- Candidate for segment_outcomes: published only when every test on every candidate passes.
-- One row per past as-of date whose next 90 days are observed (int_outcome_dates) and segment the
-- customers were in then (segment_history, every month scored with the latest model): what those
-- customers did next. Only orders after the as-of date count, never any after the build's as-of
-- date. The population figures of the date sit beside each segment's for comparison.

with

history as (

    select * from {{ ref('candidate_segment_history') }}

),

outcomes as (

    select * from {{ ref('int_customer_outcomes') }}

),

joined as (

    select
        history.as_of_date,
        history.segment_id,
        history.segment_name,
        outcomes.outcome_role,
        outcomes.net_spend_next_90d,
        case when outcomes.bought_again_90d then 1.0e0 else 0.0e0 end as bought_again,
        case
            when outcomes.is_without_purchase_180d then 1.0e0
            when not outcomes.is_without_purchase_180d then 0.0e0
        end as without_purchase_180d
    from history
    inner join outcomes
        on
            history.customer_id = outcomes.customer_id
            and history.as_of_date = outcomes.as_of_date

),

per_segment as (

    select
        as_of_date,
        segment_id,
        max(segment_name) as segment_name,
        max(outcome_role) as outcome_role,
        count(*) as n_customers,
        avg(bought_again) as bought_again_90d_share,
        avg(net_spend_next_90d) as mean_net_spend_next_90d,
        {{ median_of('net_spend_next_90d') }} as median_net_spend_next_90d,
        avg(without_purchase_180d) as without_purchase_180d_share
    from joined
    group by as_of_date, segment_id

),

population as (

    select
        as_of_date,
        count(*) as population_customers,
        avg(bought_again) as population_bought_again_90d_share,
        avg(net_spend_next_90d) as population_mean_net_spend_next_90d
    from joined
    group by as_of_date

),

final as (

    select
        per_segment.as_of_date,
        cast(per_segment.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(per_segment.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(per_segment.outcome_role as {{ dbt.type_string() }}) as outcome_role,
        cast(per_segment.n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(per_segment.n_customers as {{ type_double() }}) / population.population_customers
            as customer_share,
        cast(per_segment.bought_again_90d_share as {{ type_double() }}) as bought_again_90d_share,
        cast(per_segment.mean_net_spend_next_90d as {{ type_double() }}) as mean_net_spend_next_90d,
        cast(per_segment.median_net_spend_next_90d as {{ type_double() }}) as median_net_spend_next_90d,
        cast(per_segment.without_purchase_180d_share as {{ type_double() }}) as without_purchase_180d_share,
        cast(population.population_bought_again_90d_share as {{ type_double() }})
            as population_bought_again_90d_share,
        cast(population.population_mean_net_spend_next_90d as {{ type_double() }})
            as population_mean_net_spend_next_90d
    from per_segment
    inner join population
        on per_segment.as_of_date = population.as_of_date

)

select * from final
order by as_of_date, segment_id

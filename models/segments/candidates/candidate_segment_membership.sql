-- Candidate for segment_membership (published only when every test on every candidate passes).
-- One row per customer segmented at the build's as-of date: the segment the customer is in, how
-- sure the model is, the runner-up, and when the customer entered the segment. The table that
-- reverse-ETL syncs: nothing in it changes from build to build unless the customer's segment,
-- probabilities or the model changed.
--
-- Anti-flapping: a customer already in a segment (in the last published membership) moves only when
-- the new top segment beats the held segment's probability by switch_margin. Customers seen for the
-- first time take their top segment; segment_entered_at then comes from the scored history.
--
-- For campaigns: the previous segment's name and when the segment last changed, a persistent
-- holdout flag (holdout_bucket: a hash of the customer id and holdout_salt, nothing else) and the
-- expected orders and spend in the next 90 days (int_customer_forecasts).
{%- set spec = segment_model_spec() %}
{%- set segment_ids = spec['components'] | map(attribute='segment_id') | list %}
{%- set previous_relation = published_relation('segment_membership') %}

with

scores as (

    select * from {{ ref('int_segment_scores') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates') }}

),

segment_names as (

    select * from {{ ref('int_segment_names_derived') }}

),

lifecycle_stages as (

    select * from {{ ref('int_customer_lifecycle_stages') }}

),

matched_rules as (

    select
        customer_id,
        {{ segment_rule_case() }} as rule_id
    from {{ ref('feat_customer_features') }}
    where is_latest_as_of_date

),

latest as (

    select scores.*
    from scores
    inner join as_of_dates
        on scores.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest

),

{% if previous_relation is not none %}
previous_membership as (

    select
        customer_id,
        segment_id,
        segment_name,
        previous_segment_id,
        segment_entered_at
    from {{ previous_relation }}

),
{% else %}
previous_membership as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as segment_name,
        cast(null as {{ dbt.type_int() }}) as previous_segment_id,
        cast(null as {{ dbt.type_timestamp() }}) as segment_entered_at
    where 1 = 0

),
{% endif %}

-- Names of the current model's segments and, for ids a refit retired, the name readers last saw.
known_segment_names as (

    select
        segment_id,
        segment_name
    from segment_names

    union all

    select
        segment_id,
        max(segment_name) as segment_name
    from previous_membership
    where segment_id not in (select segment_names.segment_id from segment_names)
    group by segment_id

),

forecasts as (

    select
        customer_id,
        expected_orders_90d,
        expected_spend_90d
    from {{ ref('int_customer_forecasts') }}
    where forecast_role = 'latest'

),

-- For customers without a previous row: when they entered their latest top segment, from the
-- scored history. A run of the same top segment starts where it differs from the month before;
-- the latest run start is the entry, and the month before it gave the previous segment. Window
-- functions over the scores rather than self-joins: at 10M customers the joins held several
-- 10M-row hash tables at once and ran out of memory.
history_runs as (

    select
        customer_id,
        as_of_date,
        top_segment_id,
        lag(top_segment_id) over (partition by customer_id order by as_of_date) as prior_segment_id
    from scores

),

run_starts as (

    select
        customer_id,
        as_of_date,
        prior_segment_id,
        row_number() over (partition by customer_id order by as_of_date desc) as recency_rank
    from history_runs
    where prior_segment_id is null or prior_segment_id != top_segment_id

),

history_previous as (

    select
        customer_id,
        as_of_date as entered_as_of_date,
        prior_segment_id as previous_segment_id
    from run_starts
    where recency_rank = 1

),

compared as (

    select
        latest.*,
        previous_membership.segment_id as held_segment_id,
        previous_membership.previous_segment_id as held_previous_segment_id,
        previous_membership.segment_entered_at as held_entered_at,
        case previous_membership.segment_id
            {%- for segment_id in segment_ids %}
            when {{ segment_id }} then latest.probability_segment_{{ segment_id }}
            {%- endfor %}
        end as held_probability,
        history_previous.entered_as_of_date as history_entered_as_of_date,
        history_previous.previous_segment_id as history_previous_segment_id
    from latest
    left join previous_membership
        on latest.customer_id = previous_membership.customer_id
    left join history_previous
        on latest.customer_id = history_previous.customer_id

),

decided as (

    select
        *,
        held_probability is not null
        and (
            top_segment_id = held_segment_id
            or top_probability - held_probability < {{ var('switch_margin') }}
        ) as keeps_held_segment
    from compared

),

assigned as (

    select
        customer_id,
        as_of_date,
        model_version,
        case when keeps_held_segment then held_segment_id else top_segment_id end as segment_id,
        case when keeps_held_segment then held_probability else top_probability end
            as segment_probability,
        case
            when keeps_held_segment and held_segment_id != top_segment_id then top_segment_id
            else runner_up_segment_id
        end as runner_up_segment_id,
        case
            when keeps_held_segment and held_segment_id != top_segment_id then top_probability
            else runner_up_probability
        end as runner_up_probability,
        case
            when keeps_held_segment then held_previous_segment_id
            when held_segment_id is not null then held_segment_id
            else history_previous_segment_id
        end as previous_segment_id,
        case
            when keeps_held_segment then held_entered_at
            when held_segment_id is not null then cast(as_of_date as {{ dbt.type_timestamp() }})
            else cast(history_entered_as_of_date as {{ dbt.type_timestamp() }})
        end as segment_entered_at
    from decided

),

final as (

    select
        cast(assigned.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(assigned.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(segment_names.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(lifecycle_stages.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(round(assigned.segment_probability, 2) as {{ type_double() }}) as segment_probability,
        cast(assigned.runner_up_segment_id as {{ dbt.type_int() }}) as runner_up_segment_id,
        cast(round(assigned.runner_up_probability, 2) as {{ type_double() }}) as runner_up_probability,
        coalesce(
            assigned.segment_probability - assigned.runner_up_probability < {{ var('ambiguity_margin') }},
            false
        ) as is_ambiguous,
        cast(matched_rules.rule_id as {{ dbt.type_string() }}) as rule_id,
        cast(assigned.model_version as {{ dbt.type_string() }}) as model_version,
        cast(assigned.previous_segment_id as {{ dbt.type_int() }}) as previous_segment_id,
        assigned.segment_entered_at,
        cast(previous_names.segment_name as {{ dbt.type_string() }}) as previous_segment_name,
        case
            when assigned.previous_segment_id is not null then assigned.segment_entered_at
        end as segment_changed_at,
        {{ holdout_bucket('assigned.customer_id') }} < {{ holdout_threshold() }}
            as is_holdout,
        cast(case
            when {{ holdout_bucket('assigned.customer_id') }} < {{ holdout_threshold() }} then 'holdout'
            else 'treatment'
        end as {{ dbt.type_string() }}) as holdout_group,
        cast(round(forecasts.expected_orders_90d, 1) as {{ type_double() }}) as expected_orders_90d,
        cast(round(forecasts.expected_spend_90d, 0) as {{ type_double() }}) as expected_spend_90d
    from assigned
    left join segment_names
        on assigned.segment_id = segment_names.segment_id
    left join known_segment_names as previous_names
        on assigned.previous_segment_id = previous_names.segment_id
    left join matched_rules
        on assigned.customer_id = matched_rules.customer_id
    left join lifecycle_stages
        on
            assigned.customer_id = lifecycle_stages.customer_id
            and assigned.as_of_date = lifecycle_stages.as_of_date
    left join forecasts
        on assigned.customer_id = forecasts.customer_id

)

select * from final
order by customer_id

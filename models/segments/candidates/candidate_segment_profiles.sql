-- Candidate for segment_profiles: published only when every test on every candidate passes.
-- One row per segment of segment_membership: its name and description, size and share, and for
-- every feature of the catalogue (macro feature_catalogue) the segment's mean and median and the
-- lift of its mean over the population mean.
-- Means are taken over exact decimals, so reruns give the same bits whatever the threads do.
{%- set features = feature_catalogue() %}
{%- set stages = ['new', 'reactivated', 'active', 'at_risk', 'lapsed'] %}

with

membership as (

    select * from {{ ref('candidate_segment_membership') }}

),

features as (

    select * from {{ ref('feat_customer_features') }}
    where is_latest_as_of_date

),

segment_names as (

    select * from {{ ref('int_segment_names_derived') }}

),

lifecycle_stages as (

    select * from {{ ref('int_customer_lifecycle_stages') }}

),

joined as (

    select
        membership.segment_id,
        membership.model_version,
        lifecycle_stages.lifecycle_stage,
        membership.expected_orders_90d,
        membership.expected_spend_90d,
        features.*
    from membership
    inner join features
        on membership.customer_id = features.customer_id
    left join lifecycle_stages
        on
            features.customer_id = lifecycle_stages.customer_id
            and features.as_of_date = lifecycle_stages.as_of_date

),

population as (

    select
        {%- for feature in features %}
        cast(avg(cast({{ feature }} as decimal(38, 10))) as {{ type_double() }}) as population_mean_{{ feature }},
        {%- endfor %}
        {{ median_of('cast(net_spend as ' ~ type_double() ~ ')') }} as population_median_net_spend,
        count(*) as population_customers
    from joined

),

per_segment as (

    select
        segment_id,
        {%- for feature in features %}
        cast(avg(cast({{ feature }} as decimal(38, 10))) as {{ type_double() }}) as mean_{{ feature }},
        {%- endfor %}
        {%- for stage in stages %}
        cast(avg(case when lifecycle_stage = '{{ stage }}' then 1 else 0 end) as {{ type_double() }})
            as share_{{ stage }},
        {%- endfor %}
        max(model_version) as model_version,
        cast(avg(cast(expected_orders_90d as decimal(38, 10))) as {{ type_double() }}) as mean_expected_orders_90d,
        cast(avg(cast(expected_spend_90d as decimal(38, 10))) as {{ type_double() }}) as mean_expected_spend_90d,
        count(*) as n_customers
    from joined
    group by segment_id

),

-- One aggregation per feature for the medians: an exact median holds every value of its group
-- until it is done, outside DuckDB's memory_limit. With all 17 in one aggregation this model
-- peaked at 4.6 GB at 10M customers; split this way it peaked at 3.1 GB (and ran faster).
{%- for feature in features %}

median_{{ feature }} as (

    select
        segment_id,
        {{ median_of('cast(' ~ feature ~ ' as ' ~ type_double() ~ ')') }} as median_{{ feature }}
    from joined
    group by segment_id

),
{%- endfor %}

final as (

    select
        cast(per_segment.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(segment_names.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(segment_names.segment_description as {{ dbt.type_string() }}) as segment_description,
        cast(per_segment.n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(per_segment.n_customers as {{ type_double() }}) / population.population_customers as customer_share,
        cast(per_segment.model_version as {{ dbt.type_string() }}) as model_version,
        cast(segment_names.name_source as {{ dbt.type_string() }}) as name_source,
        {%- for stage in stages %}
        cast(per_segment.share_{{ stage }} as {{ type_double() }}) as share_{{ stage }},
        {%- endfor %}
        population.population_median_net_spend,
        {%- for feature in features %}
        per_segment.mean_{{ feature }},
        median_{{ feature }}.median_{{ feature }},
        case
            when population.population_mean_{{ feature }} != 0
                then per_segment.mean_{{ feature }} / population.population_mean_{{ feature }}
        end as lift_{{ feature }},
        {%- endfor %}
        per_segment.mean_expected_orders_90d,
        per_segment.mean_expected_spend_90d
    from per_segment
    cross join population
    left join segment_names
        on per_segment.segment_id = segment_names.segment_id
    {%- for feature in features %}
    left join median_{{ feature }}
        on per_segment.segment_id = median_{{ feature }}.segment_id
    {%- endfor %}

)

select * from final
order by segment_id

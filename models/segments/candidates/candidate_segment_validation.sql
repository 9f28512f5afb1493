-- Candidate for segment_validation: published only when every test on every candidate passes.
-- One row per segmentation and validation date (int_outcome_dates): how much of the variance of what
-- customers did in the next 90 days the segmentation's groups explain (eta squared: the
-- between-group share of the variance; 0 says nothing, 1 says everything), for net spend and for
-- bought again. Three segmentations of the same customers: ours (segment_history), k-means on
-- standardized log recency, frequency and monetary value with as many segments (fitted with the
-- model, assigned here), and the classic RFM quintile map (ten named cells of recency and
-- frequency quintiles at that date). The outcome space of the model never saw these outcomes.
{%- set spec = segment_model_spec() %}
{%- set baseline = spec.get('baseline') %}

with

history as (

    select * from {{ ref('candidate_segment_history') }}

),

outcomes as (

    select * from {{ ref('int_customer_outcomes') }}
    where outcome_role = 'validation'

),

features as (

    select * from {{ ref('feat_customer_features') }}

),

base as (

    select
        outcomes.customer_id,
        outcomes.as_of_date,
        outcomes.net_spend_next_90d,
        case when outcomes.bought_again_90d then 1.0e0 else 0.0e0 end as bought_again,
        history.segment_id,
        history.model_version,
        features.days_since_last_order,
        features.order_count,
        features.net_spend
    from outcomes
    inner join history
        on
            outcomes.customer_id = history.customer_id
            and outcomes.as_of_date = history.as_of_date
    inner join features
        on
            outcomes.customer_id = features.customer_id
            and outcomes.as_of_date = features.as_of_date

),

{%- if baseline %}

kmeans_distances as (

    select
        customer_id,
        as_of_date,
        {%- for centroid in baseline['centroids'] %}
        {%- set outer = loop %}
        {%- for feature in baseline['features'] %}
        power(
            (ln(1.0e0 + greatest(coalesce(cast({{ feature }} as {{ type_double() }}), 0.0e0), 0.0e0))
                - {{ float_literal(baseline['center'][loop.index0]) }})
            / {{ float_literal(baseline['scale'][loop.index0]) }}
            - {{ float_literal(centroid[loop.index0]) }},
            2
        ){{ ' +' if not loop.last else ' as distance_' ~ outer.index0 ~ (',' if not outer.last) }}
        {%- endfor %}
        {%- endfor %}
    from base

),

kmeans as (

    select
        customer_id,
        as_of_date,
        case
            {%- for centroid in baseline['centroids'] %}
            {%- set outer = loop %}
            when true
                {%- for other in baseline['centroids'] %}
                {%- if loop.index0 != outer.index0 %}
                and distance_{{ outer.index0 }} {{ '<=' if outer.index0 < loop.index0 else '<' }} distance_{{ loop.index0 }}
                {%- endif %}
                {%- endfor %}
                then {{ outer.index0 }}
            {%- endfor %}
        end as cluster_index
    from kmeans_distances

),
{%- endif %}

rfm_scores as (

    select
        customer_id,
        as_of_date,
        ntile(5) over (
            partition by as_of_date order by days_since_last_order desc, customer_id asc
        ) as recency_score,
        ntile(5) over (partition by as_of_date order by order_count, customer_id) as frequency_score
    from base

),

rfm as (

    select
        customer_id,
        as_of_date,
        case
            when recency_score <= 2 and frequency_score <= 2 then 'hibernating'
            when recency_score <= 2 and frequency_score <= 4 then 'at_risk'
            when recency_score <= 2 then 'cannot_lose_them'
            when recency_score = 3 and frequency_score <= 2 then 'about_to_sleep'
            when recency_score = 3 and frequency_score = 3 then 'need_attention'
            when recency_score <= 4 and frequency_score >= 4 then 'loyal'
            when recency_score = 4 and frequency_score = 1 then 'promising'
            when recency_score = 5 and frequency_score = 1 then 'new_customers'
            when frequency_score <= 3 then 'potential_loyalists'
            else 'champions'
        end as rfm_segment
    from rfm_scores

),

labelled as (

    select
        'segments' as segmentation,
        as_of_date,
        cast(segment_id as {{ dbt.type_string() }}) as group_key,
        net_spend_next_90d,
        bought_again
    from base
    {%- if baseline %}

    union all

    select
        'kmeans_log_rfm' as segmentation,
        base.as_of_date,
        cast(kmeans.cluster_index as {{ dbt.type_string() }}) as group_key,
        base.net_spend_next_90d,
        base.bought_again
    from base
    inner join kmeans
        on
            base.customer_id = kmeans.customer_id
            and base.as_of_date = kmeans.as_of_date
    {%- endif %}

    union all

    select
        'rfm_quintile_map' as segmentation,
        base.as_of_date,
        rfm.rfm_segment as group_key,
        base.net_spend_next_90d,
        base.bought_again
    from base
    inner join rfm
        on
            base.customer_id = rfm.customer_id
            and base.as_of_date = rfm.as_of_date

),

date_totals as (

    select
        segmentation,
        as_of_date,
        count(*) as n_customers,
        avg(net_spend_next_90d) as mean_spend,
        avg(bought_again) as mean_bought,
        var_pop(net_spend_next_90d) as variance_spend,
        var_pop(bought_again) as variance_bought
    from labelled
    group by segmentation, as_of_date

),

group_means as (

    select
        segmentation,
        as_of_date,
        group_key,
        count(*) as n_customers,
        avg(net_spend_next_90d) as mean_spend,
        avg(bought_again) as mean_bought
    from labelled
    group by segmentation, as_of_date, group_key

),

between_groups as (

    select
        group_means.segmentation,
        group_means.as_of_date,
        count(*) as n_groups,
        sum(group_means.n_customers * power(group_means.mean_spend - date_totals.mean_spend, 2))
            as between_spend,
        sum(group_means.n_customers * power(group_means.mean_bought - date_totals.mean_bought, 2))
            as between_bought
    from group_means
    inner join date_totals
        on
            group_means.segmentation = date_totals.segmentation
            and group_means.as_of_date = date_totals.as_of_date
    group by group_means.segmentation, group_means.as_of_date

),

final as (

    select
        cast(between_groups.segmentation as {{ dbt.type_string() }}) as segmentation,
        between_groups.as_of_date,
        cast(between_groups.n_groups as {{ dbt.type_int() }}) as n_groups,
        cast(date_totals.n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(case
            when date_totals.variance_spend > 0
                then least(
                    1.0e0, between_groups.between_spend / (date_totals.n_customers * date_totals.variance_spend)
                )
        end as {{ type_double() }}) as eta_squared_spend_90d,
        cast(case
            when date_totals.variance_bought > 0
                then least(
                    1.0e0, between_groups.between_bought / (date_totals.n_customers * date_totals.variance_bought)
                )
        end as {{ type_double() }}) as eta_squared_bought_again_90d,
        cast('{{ spec["model_version"] }}' as {{ dbt.type_string() }}) as model_version,
        cast('{{ spec.get("space", "features") }}' as {{ dbt.type_string() }}) as segment_space
    from between_groups
    inner join date_totals
        on
            between_groups.segmentation = date_totals.segmentation
            and between_groups.as_of_date = date_totals.as_of_date

)

select * from final
order by as_of_date, segmentation

-- Drift warning: the population's distribution of a model feature has shifted against the
-- latest model's training sample: population stability index over the training deciles above
-- drift_max_psi. Severity: var drift_severity (warn by default).
{{ config(severity=var('drift_severity')) }}
{%- set registry = ref('segment_model_registry') %}
{%- set reference = {} %}
{%- if execute %}
    {%- set rows = run_query(
        "select feature_reference_json from " ~ registry
        ~ " where feature_reference_json is not null"
        ~ " order by registered_at desc, model_version desc limit 1"
    ).rows %}
    {%- if rows | length > 0 %}
        {%- set reference = fromjson(rows[0][0]) %}
    {%- endif %}
{%- endif %}

with

features as (

    select * from {{ ref('feat_customer_features') }}
    where is_latest_as_of_date

),

{% if reference %}
binned as (

    {%- for feature, bins in reference.items() %}
    select
        '{{ feature }}' as feature_name,
        case
            {%- for edge in bins['edges'] %}
            when coalesce(cast({{ feature }} as {{ type_double() }}), {{ float_literal(bins['fill_value']) }})
                <= {{ float_literal(edge) }} then {{ loop.index0 }}
            {%- endfor %}
            else {{ bins['edges'] | length }}
        end as bin_index
    from features
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

expected as (

    {%- for feature, bins in reference.items() %}
    {%- set outer = loop %}
    {%- for share in bins['shares'] %}
    select
        '{{ feature }}' as feature_name,
        {{ loop.index0 }} as bin_index,
        {{ float_literal(share) }} as expected_share
    {%- if not (outer.last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

actual as (

    select
        feature_name,
        bin_index,
        count(*) * 1.0 / sum(count(*)) over (partition by feature_name) as actual_share
    from binned
    group by feature_name, bin_index

),

psi as (

    select
        expected.feature_name,
        sum(
            (greatest(coalesce(actual.actual_share, 0), 0.0001) - greatest(expected.expected_share, 0.0001))
            * ln(greatest(coalesce(actual.actual_share, 0), 0.0001) / greatest(expected.expected_share, 0.0001))
        ) as population_stability_index
    from expected
    left join actual
        on
            expected.feature_name = actual.feature_name
            and expected.bin_index = actual.bin_index
    group by expected.feature_name

)

select *
from psi
where population_stability_index > {{ var('drift_max_psi') }}
{% else %}
psi as (

    select
        cast(null as {{ dbt.type_string() }}) as feature_name,
        cast(null as {{ type_double() }}) as population_stability_index
    from features
    where 1 = 0

)

select * from psi
{%- endif %}

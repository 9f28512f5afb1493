{#
    score_segments(features_relation, spec) -> a select statement scoring every row of
    features_relation with a registered segment model, in plain SQL.

    Per feature: fill nulls, signed log1p (where the model says so), clip, standardize. An
    outcome-space model then maps the standardized features z to its axes x by its embedding
    (x_j = offset_j + sum_i z_i * w_ij); otherwise x = z. Per component k: log(weight) +
    log N(x | mean, precision) through the precision Cholesky factor, then log-sum-exp and
    posteriors. Returns customer_id, as_of_date, model_version, one
    probability column per segment (probability_segment_<id>), the top segment and the runner-up.
    Ties go to the lower segment id.
#}
{% macro score_segments(features_relation, spec) %}
{%- set features = spec['features'] -%}
{%- set components = spec['components'] | sort(attribute='segment_id') -%}
{%- set embedding = spec.get('embedding') -%}

with

features as (

    select * from {{ features_relation }}

),

standardized as (

    select
        customer_id,
        as_of_date,
        {%- for feature in features %}
        {%- set filled = "coalesce(cast(" ~ feature['name'] ~ " as " ~ type_double() ~ "), " ~ float_literal(feature['fill_value']) ~ ")" %}
        {%- if feature['transform'] == 'slog1p' %}
        {%- set transformed = "sign(" ~ filled ~ ") * ln(1.0e0 + abs(" ~ filled ~ "))" %}
        {%- else %}
        {%- set transformed = filled %}
        {%- endif %}
        (least(greatest({{ transformed }}, {{ float_literal(feature['lower']) }}), {{ float_literal(feature['upper']) }})
            - {{ float_literal(feature['center']) }}) / {{ float_literal(feature['scale']) }} as z_{{ loop.index0 }}{{ ',' if not loop.last }}
        {%- endfor %}
    from features

),

embedded as (

    select
        customer_id,
        as_of_date,
        {%- if embedding %}
        {%- for axis in embedding %}
        {{ float_literal(axis['offset']) }}
        {%- for term in axis['terms'] %}
            + z_{{ term[0] }} * {{ float_literal(term[1]) }}
        {%- endfor %} as x_{{ loop.index0 }}{{ ',' if not loop.last }}
        {%- endfor %}
        {%- else %}
        {%- for feature in features %}
        z_{{ loop.index0 }} as x_{{ loop.index0 }}{{ ',' if not loop.last }}
        {%- endfor %}
        {%- endif %}
    from standardized

),

log_densities as (

    select
        customer_id,
        as_of_date,
        {%- for component in components %}
        {%- set outer = loop %}
        {{ float_literal(component['log_constant']) }} - 0.5 * (
            {%- for terms in component['projection'] %}
            power(
                {%- for term in terms %}
                (x_{{ term[0] }} - {{ float_literal(component['mean'][term[0]]) }}) * {{ float_literal(term[1]) }}{{ ' +' if not loop.last }}
                {%- endfor %}
            , 2){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as log_density_{{ component['segment_id'] }}{{ ',' if not outer.last }}
        {%- endfor %}
    from embedded

),

normalizer as (

    select
        *,
        {%- if components | length == 1 %}
        log_density_{{ components[0]['segment_id'] }} as max_log_density
        {%- else %}
        greatest(
            {%- for component in components %}
            log_density_{{ component['segment_id'] }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as max_log_density
        {%- endif %}
    from log_densities

),

log_totals as (

    select
        *,
        max_log_density + ln(
            {%- for component in components %}
            exp(log_density_{{ component['segment_id'] }} - max_log_density){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as log_total
    from normalizer

),

posteriors as (

    select
        customer_id,
        as_of_date,
        {%- for component in components %}
        exp(log_density_{{ component['segment_id'] }} - log_total)
            as probability_segment_{{ component['segment_id'] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from log_totals

),

ranked as (

    select
        *,
        {%- if components | length == 1 %}
        probability_segment_{{ components[0]['segment_id'] }} as top_probability
        {%- else %}
        greatest(
            {%- for component in components %}
            probability_segment_{{ component['segment_id'] }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as top_probability
        {%- endif %}
    from posteriors

),

with_top as (

    select
        *,
        case
            {%- for component in components %}
            when probability_segment_{{ component['segment_id'] }} = top_probability
                then {{ component['segment_id'] }}
            {%- endfor %}
        end as top_segment_id
    from ranked

),

with_runner_up_probability as (

    select
        *,
        {%- if components | length == 1 %}
        cast(null as {{ type_double() }}) as runner_up_probability
        {%- else %}
        greatest(
            {%- for component in components %}
            case
                when top_segment_id = {{ component['segment_id'] }} then -1.0
                else probability_segment_{{ component['segment_id'] }}
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ) as runner_up_probability
        {%- endif %}
    from with_top

),

with_runner_up as (

    select
        *,
        {%- if components | length == 1 %}
        cast(null as {{ dbt.type_int() }}) as runner_up_segment_id
        {%- else %}
        case
            {%- for component in components %}
            when
                top_segment_id != {{ component['segment_id'] }}
                and probability_segment_{{ component['segment_id'] }} = runner_up_probability
                then {{ component['segment_id'] }}
            {%- endfor %}
        end as runner_up_segment_id
        {%- endif %}
    from with_runner_up_probability

),

final as (

    select
        customer_id,
        as_of_date,
        '{{ spec["model_version"] }}' as model_version,
        top_segment_id,
        top_probability,
        runner_up_segment_id,
        runner_up_probability,
        {%- for component in components %}
        probability_segment_{{ component['segment_id'] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from with_runner_up

)

select * from final
{% endmacro %}

{#
    outcome_sample(role, size) -> a select of at most `size` customer-dates of the outcome dates
    with the given role ('training' or 'validation'): every feature of feat_customer_features at
    that date and the customer's outcomes (int_customer_outcomes), chosen by an md5 of the customer
    id and the date. The seed is left out on purpose: the outcome space is fitted without any
    randomness, so a refit with another seed cannot change its segments; the same data give the
    same rows on every engine.
#}
{% macro outcome_sample(role, size) %}

with

features as (

    select * from {{ ref('feat_customer_features') }}

),

outcomes as (

    select * from {{ ref('int_customer_outcomes') }}
    where outcome_role = '{{ role }}'

),

joined as (

    select
        features.*,
        outcomes.net_spend_next_90d,
        outcomes.purchases_next_90d,
        outcomes.bought_again_90d,
        {{ dbt.hash(
            "features.customer_id || '|' || cast(features.as_of_date as " ~ dbt.type_string() ~ ")"
        ) }} as sample_key
    from features
    inner join outcomes
        on
            features.customer_id = outcomes.customer_id
            and features.as_of_date = outcomes.as_of_date

),

final as (

    select *
    from joined
    order by sample_key, customer_id, as_of_date
    limit {{ size | int }}

)

select * from final
{% endmacro %}

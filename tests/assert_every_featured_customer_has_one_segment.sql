-- Every customer with features at the build's as-of date is in segment_membership exactly once,
-- and nobody else is.

with

features as (

    select customer_id from {{ ref('feat_customer_features') }}
    where is_latest_as_of_date

),

membership as (

    select customer_id from {{ ref('candidate_segment_membership') }}

),

missing as (

    select
        features.customer_id,
        'has features but no segment' as problem
    from features
    left join membership
        on features.customer_id = membership.customer_id
    where membership.customer_id is null

),

unexpected as (

    select
        membership.customer_id,
        'has a segment but no features' as problem
    from membership
    left join features
        on membership.customer_id = features.customer_id
    where features.customer_id is null

)

select * from missing
union all
select * from unexpected

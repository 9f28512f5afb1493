-- segment_profiles has exactly the segments of segment_membership, with their sizes, and shares
-- summing to 1.

with

membership_sizes as (

    select
        segment_id,
        count(*) as n_customers
    from {{ ref('candidate_segment_membership') }}
    group by segment_id

),

profiles as (

    select * from {{ ref('candidate_segment_profiles') }}

),

mismatches as (

    select
        coalesce(membership_sizes.segment_id, profiles.segment_id) as segment_id,
        'size differs' as problem
    from membership_sizes
    full outer join profiles
        on membership_sizes.segment_id = profiles.segment_id
    where
        membership_sizes.n_customers is null
        or profiles.n_customers is null
        or membership_sizes.n_customers != profiles.n_customers

),

share_total as (

    select
        null as segment_id,
        'shares sum to ' || sum(customer_share) as problem
    from profiles
    having abs(sum(customer_share) - 1.0) > 1e-9

)

select * from mismatches
union all
select * from share_total

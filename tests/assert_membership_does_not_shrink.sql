-- Guard against destructive publishes: the candidate membership may not hold fewer than
-- (1 - max_membership_shrink) of the customers in the last published segment_membership, unless
-- the build says allow_membership_shrink: true. (A mirror sync deletes every row that vanishes.)
{%- set published = published_relation('segment_membership') %}

with

candidate as (

    select count(*) as n_customers from {{ ref('candidate_segment_membership') }}

),

{% if published is not none and not var('allow_membership_shrink') %}
published as (

    select count(*) as n_customers from {{ published }}

),

compared as (

    select
        candidate.n_customers as candidate_customers,
        published.n_customers as published_customers
    from candidate
    cross join published

)

select *
from compared
where candidate_customers < (1 - {{ var('max_membership_shrink') }}) * published_customers
{% else %}
compared as (

    select candidate.n_customers as candidate_customers
    from candidate

)

select *
from compared
where 1 = 0
{%- endif %}

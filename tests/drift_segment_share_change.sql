-- Drift warning: a segment's share of customers in the candidate membership differs by more than
-- drift_max_share_change from its share in the published segment_membership (what readers have
-- now). It tests the candidate, before publishing, so drift_severity: error keeps the last good
-- tables. Nothing to compare before the first publish. Severity: var drift_severity (warn).
{{ config(severity=var('drift_severity')) }}
{%- set published = published_relation('segment_membership') %}

with

candidate_shares as (

    select
        segment_id,
        count(*) * 1.0 / sum(count(*)) over () as customer_share
    from {{ ref('candidate_segment_membership') }}
    group by segment_id

),

{% if published is not none %}
published_shares as (

    select
        segment_id,
        count(*) * 1.0 / sum(count(*)) over () as customer_share
    from {{ published }}
    group by segment_id

),
{% else %}
published_shares as (

    select
        segment_id,
        customer_share
    from candidate_shares
    where false

),
{% endif %}

compared as (

    select
        coalesce(candidate_shares.segment_id, published_shares.segment_id) as segment_id,
        coalesce(published_shares.customer_share, 0) as previous_share,
        coalesce(candidate_shares.customer_share, 0) as latest_share
    from candidate_shares
    full outer join published_shares
        on candidate_shares.segment_id = published_shares.segment_id

)

select compared.*
from compared
where
    abs(compared.latest_share - compared.previous_share) > {{ var('drift_max_share_change') }}
    and (select count(*) from published_shares) > 0

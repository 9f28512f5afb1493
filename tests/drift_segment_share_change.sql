-- Drift warning: a segment's share of customers moved more than drift_max_share_change between
-- the last two published snapshots. Severity: var drift_severity (warn by default).
{{ config(severity=var('drift_severity')) }}

with

snapshots as (

    select * from {{ ref('segment_snapshots') }}

),

runs as (

    select
        snapshot_run_key,
        max(snapshot_at) as snapshot_at
    from snapshots
    group by snapshot_run_key

),

ranked_runs as (

    select
        snapshot_run_key,
        row_number() over (order by snapshot_at desc, snapshot_run_key desc) as recency
    from runs

),

shares as (

    select
        ranked_runs.recency,
        snapshots.segment_id,
        count(*) * 1.0 / sum(count(*)) over (partition by ranked_runs.recency) as customer_share
    from snapshots
    inner join ranked_runs
        on snapshots.snapshot_run_key = ranked_runs.snapshot_run_key
    where ranked_runs.recency <= 2
    group by ranked_runs.recency, snapshots.segment_id

),

latest_shares as (

    select
        segment_id,
        customer_share
    from shares
    where recency = 1

),

previous_shares as (

    select
        segment_id,
        customer_share
    from shares
    where recency = 2

),

compared as (

    select
        coalesce(latest_shares.segment_id, previous_shares.segment_id) as segment_id,
        coalesce(previous_shares.customer_share, 0) as previous_share,
        coalesce(latest_shares.customer_share, 0) as latest_share
    from latest_shares
    full outer join previous_shares
        on latest_shares.segment_id = previous_shares.segment_id

)

-- With a single snapshot run there is nothing to compare.
select compared.*
from compared
where
    abs(compared.latest_share - compared.previous_share) > {{ var('drift_max_share_change') }}
    and (select count(*) from previous_shares) > 0

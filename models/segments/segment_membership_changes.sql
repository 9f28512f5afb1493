-- One row per customer whose segment changed since the last published membership: entered
-- (new to the membership), changed (another segment) or removed (no longer segmented). For diff
-- syncs in reverse-ETL tools. Built after every candidate passed and before segment_membership is
-- replaced, so it compares the new membership with the one readers had. Empty on a rerun.
-- depends_on: {{ ref('int_publish_gate') }}
{%- set published = published_relation('segment_membership') %}

with

candidate as (

    select * from {{ ref('candidate_segment_membership') }}

),

{% if published is not none %}
published as (

    select
        customer_id,
        segment_id,
        segment_name
    from {{ published }}

),
{% else %}
published as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as segment_name
    where 1 = 0

),
{% endif %}

compared as (

    select
        coalesce(candidate.customer_id, published.customer_id) as customer_id,
        published.segment_id as old_segment_id,
        published.segment_name as old_segment_name,
        candidate.segment_id as new_segment_id,
        candidate.segment_name as new_segment_name,
        case
            when published.customer_id is null then 'entered'
            when candidate.customer_id is null then 'removed'
            else 'changed'
        end as change_type
    from candidate
    full outer join published
        on candidate.customer_id = published.customer_id
    where
        published.customer_id is null
        or candidate.customer_id is null
        or candidate.segment_id != published.segment_id

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(old_segment_id as {{ dbt.type_int() }}) as old_segment_id,
        cast(old_segment_name as {{ dbt.type_string() }}) as old_segment_name,
        cast(new_segment_id as {{ dbt.type_int() }}) as new_segment_id,
        cast(new_segment_name as {{ dbt.type_string() }}) as new_segment_name,
        cast(change_type as {{ dbt.type_string() }}) as change_type
    from compared

)

select * from final
order by customer_id

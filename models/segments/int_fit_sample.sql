-- One row per sampled customer: the latest as-of features of a reproducible sample of at most
-- fit_sample_size customers (ordered by a seeded hash of the customer id), which the segment
-- model is fitted on. Drawn in SQL so the fit reads a bounded table at any data size.

with

features as (

    select * from {{ ref('feat_customer_features') }}
    where is_latest_as_of_date

),

ranked as (

    select
        features.*,
        {{ dbt.hash("features.customer_id || '" ~ var('seed') ~ "'") }} as sample_key
    from features

),

final as (

    select *
    from ranked
    order by sample_key, customer_id
    limit {{ var('fit_sample_size') | int }}

)

select * from final

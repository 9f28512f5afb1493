-- On the customers the model was fitted on, the SQL scorer's top segments reproduce the fit's
-- guarantee: every segment holds at least min_segment_share of them.

with

sample as (

    select customer_id from {{ ref('int_fit_sample') }}

),

latest_scores as (

    select scores.*
    from {{ ref('int_segment_scores') }} as scores
    inner join {{ ref('int_as_of_dates') }} as as_of_dates
        on scores.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest

),

shares as (

    select
        latest_scores.top_segment_id,
        count(*) * 1.0 / sum(count(*)) over () as segment_share
    from latest_scores
    inner join sample
        on latest_scores.customer_id = sample.customer_id
    group by latest_scores.top_segment_id

)

select *
from shares
where segment_share < {{ var('min_segment_share') }}

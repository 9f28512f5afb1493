-- Every scored row's segment probabilities sum to 1 (to 1e-9) and each lies in [0, 1].
{%- set spec = segment_model_spec() %}
{%- set columns = [] %}
{%- for component in spec['components'] %}
{%- do columns.append('probability_segment_' ~ component['segment_id']) %}
{%- endfor %}

with

scores as (

    select * from {{ ref('int_segment_scores') }}

)

select
    customer_id,
    as_of_date,
    {{ columns | join(' + ') }} as probability_total
from scores
where
    abs({{ columns | join(' + ') }} - 1.0) > 1e-9
    {%- for column in columns %}
    or {{ column }} < 0 or {{ column }} > 1
    {%- endfor %}

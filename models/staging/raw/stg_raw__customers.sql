-- One row per distinct raw customer row: typed and trimmed, flagged with the reason it cannot be
-- used. Empty (and typed) when no customers input is provided.
{%- set provided = raw_input_provided('customers') %}
{% if provided %}{{ assert_input_columns('customers', ['customer_id', 'signed_up_at']) }}{% endif %}
{%- set input_types = input_column_types('customers') if provided else {} %}

with

{% if provided %}
source as (

    select * from {{ raw_input('customers') }}

),

renamed as (

    -- Exact duplicate rows kept once. A group by rather than select distinct: DuckDB spills a
    -- group by to disk under its memory_limit, while the distinct ran out of memory (1 GB limit,
    -- 54M events).
    select
        ----------  ids
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        ----------  timestamps
        {{ input_timestamp('signed_up_at', input_types.get('signed_up_at')) }} as signed_up_at

    from source
    group by 1, 2

),
{% else %}
renamed as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_timestamp() }}) as signed_up_at
    where 1 = 0

),
{% endif %}

flagged as (

    select
        customer_id,
        signed_up_at,
        case
            when customer_id is null then 'null_customer_id'
        end as invalid_reason
    from renamed

)

select * from flagged

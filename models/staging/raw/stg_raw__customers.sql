-- One row per distinct raw customer row: typed and trimmed, flagged with the reason it cannot be
-- used (and the raw text that is wrong, invalid_value). Empty (and typed) when no customers input
-- is provided.
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
        {{ input_timestamp('signed_up_at', input_types.get('signed_up_at'), 'customers') }} as signed_up_at,

        ----------  a line with more fields than the header, and the raw text of them
        bool_or({{ has_extra_fields('customers') }}) as has_extra_fields,
        min({{ extra_fields_text('customers') }}) as source_extra_fields

    from source
    group by 1, 2

),
{% else %}
renamed as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_timestamp() }}) as signed_up_at,
        cast(null as boolean) as has_extra_fields,
        cast(null as {{ dbt.type_string() }}) as source_extra_fields
    where 1 = 0

),
{% endif %}

flagged as (

    select
        customer_id,
        signed_up_at,
        case
            when has_extra_fields then 'extra_fields'
            when customer_id is null then 'null_customer_id'
        end as invalid_reason,
        case
            when has_extra_fields then source_extra_fields
        end as invalid_value
    from renamed

)

select * from flagged

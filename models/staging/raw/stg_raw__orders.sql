-- One row per distinct raw order row: typed, trimmed, exact duplicates removed, each row flagged
-- with the first reason it cannot be used (null when it is valid).
{{ assert_input_columns('orders', ['customer_id', 'order_id', 'ordered_at', 'amount']) }}
{%- set input_types = input_column_types('orders') %}

with

source as (

    select * from {{ raw_input('orders') }}

),

renamed as (

    -- Exact duplicate rows kept once. A group by rather than select distinct: DuckDB spills a
    -- group by to disk under its memory_limit, while the distinct ran out of memory (1 GB limit,
    -- 54M events).
    select
        ----------  ids
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        ----------  numerics
        {{ input_is_missing('amount', input_types.get('amount')) }} as is_amount_missing,
        {{ input_number('amount', input_types.get('amount')) }} as amount,

        ----------  timestamps
        {{ input_is_missing('ordered_at', input_types.get('ordered_at')) }} as is_ordered_at_missing,
        {{ input_timestamp('ordered_at', input_types.get('ordered_at')) }} as ordered_at

    from source
    group by 1, 2, 3, 4, 5, 6

),

order_id_amounts as (

    select
        order_id,
        max(amount) > min(amount) as has_conflicting_amounts
    from renamed
    where order_id is not null
    group by 1

),

flagged as (

    select
        renamed.order_id,
        renamed.customer_id,
        renamed.amount,
        renamed.ordered_at,
        cast(renamed.ordered_at as date) as order_date,
        case
            when renamed.customer_id is null then 'null_customer_id'
            when renamed.order_id is null then 'null_order_id'
            when renamed.is_ordered_at_missing then 'null_timestamp'
            when renamed.ordered_at is null then 'unparseable_timestamp'
            when renamed.is_amount_missing then 'null_amount'
            when renamed.amount is null then 'unparseable_amount'
            when order_id_amounts.has_conflicting_amounts then 'conflicting_duplicate_order_id'
        end as invalid_reason
    from renamed
    left join order_id_amounts
        on renamed.order_id = order_id_amounts.order_id

)

select * from flagged

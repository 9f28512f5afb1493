-- One row per distinct raw order row: typed, trimmed, exact duplicates removed, each row flagged
-- with the first reason it cannot be used (null when it is valid).
{{ assert_input_columns('orders', ['customer_id', 'order_id', 'ordered_at', 'amount']) }}

with

source as (

    select * from {{ raw_input('orders') }}

),

renamed as (

    select distinct
        ----------  ids
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        ----------  numerics
        nullif(trim(cast(amount as {{ dbt.type_string() }})), '') as amount_text,
        {{ safe_to_double("nullif(trim(cast(amount as " ~ dbt.type_string() ~ ")), '')") }} as amount,

        ----------  timestamps
        nullif(trim(cast(ordered_at as {{ dbt.type_string() }})), '') as ordered_at_text,
        {{ parse_timestamp('ordered_at') }} as ordered_at

    from source

),

order_id_amounts as (

    select
        order_id,
        count(distinct amount) as distinct_amounts
    from renamed
    where order_id is not null
    group by order_id

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
            when renamed.ordered_at_text is null then 'null_timestamp'
            when renamed.ordered_at is null then 'unparseable_timestamp'
            when renamed.amount_text is null then 'null_amount'
            when renamed.amount is null then 'unparseable_amount'
            when order_id_amounts.distinct_amounts > 1 then 'conflicting_duplicate_order_id'
        end as invalid_reason
    from renamed
    left join order_id_amounts
        on renamed.order_id = order_id_amounts.order_id

)

select * from flagged

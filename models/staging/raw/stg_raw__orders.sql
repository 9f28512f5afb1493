-- One row per distinct raw order row: typed, trimmed, exact duplicates removed, each row flagged
-- with the first reason it cannot be used (null when it is valid), and the raw text that is wrong
-- (invalid_value, an example for data_quality_issues).
{{ assert_input_columns('orders', ['customer_id', 'order_id', 'ordered_at', 'amount']) }}
{%- set input_types = input_column_types('orders') %}
{#- A typed time is its own text: cast only where an example is shown, after the duplicates are
    gone, instead of on every raw row. A typed amount is null only when missing, which shows no
    example, so it keeps no text. #}
{%- set amount_is_text = is_text_type(input_types.get('amount')) %}
{%- set ordered_at_is_text = is_text_type(input_types.get('ordered_at')) %}
{%- set source_ordered_at = input_example_text('ordered_at', input_types.get('ordered_at')) %}

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
        {{ input_timestamp('ordered_at', input_types.get('ordered_at'), 'orders') }} as ordered_at,

        ----------  the raw text, for the examples of data_quality_issues
        {%- if amount_is_text %}
        min(cast(amount as {{ dbt.type_string() }})) as source_amount,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as source_amount,
        {%- endif %}
        {%- if ordered_at_is_text %}
        min(cast(ordered_at as {{ dbt.type_string() }})) as source_ordered_at,
        {%- endif %}
        bool_or({{ has_extra_fields('orders') }}) as has_extra_fields,
        min({{ extra_fields_text('orders') }}) as source_extra_fields,
        -- A line break inside an id, time or amount: an unterminated quote swallowed the lines
        -- after it (DuckDB's lenient reader reads on to the next quote); counted as lines lost.
        {%- set raw_columns = ['order_id', 'customer_id', 'ordered_at', 'amount'] %}
        max({{ embedded_line_breaks(raw_columns, input_types) }}) as embedded_line_breaks

    from source
    group by 1, 2, 3, 4, 5, 6

),

order_id_amounts as (

    -- Only the order ids with two amounts: the join below then looks rows up in a handful of ids
    -- instead of every order's (a fifth of this model's time at 10M customers).
    select
        order_id,
        true as has_conflicting_amounts
    from renamed
    where order_id is not null
    group by 1
    having max(amount) > min(amount)

),

flagged as (

    -- A line with more fields than the header first: its values may sit in the wrong columns.
    -- A row dated after the moment this build started is in the future, whatever the as-of date.
    select
        renamed.order_id,
        renamed.customer_id,
        renamed.amount,
        renamed.ordered_at,
        cast(renamed.ordered_at as date) as order_date,
        case
            when renamed.embedded_line_breaks > 0 then 'unterminated_quote'
            when renamed.has_extra_fields then 'extra_fields'
            when renamed.customer_id is null then 'null_customer_id'
            when renamed.order_id is null then 'null_order_id'
            when renamed.is_ordered_at_missing then 'null_timestamp'
            when renamed.ordered_at is null then 'unparseable_timestamp'
            when renamed.ordered_at > {{ build_started_at() }} then 'in_the_future'
            when renamed.is_amount_missing then 'null_amount'
            when renamed.amount is null then 'unparseable_amount'
            when order_id_amounts.has_conflicting_amounts then 'conflicting_duplicate_order_id'
        end as invalid_reason,
        renamed.embedded_line_breaks,
        case
            when renamed.embedded_line_breaks > 0
                then substr(concat_ws(',', renamed.order_id, renamed.customer_id, {{ source_ordered_at }}), 1, 80)
            when renamed.has_extra_fields then renamed.source_extra_fields
            when renamed.ordered_at is null or renamed.ordered_at > {{ build_started_at() }}
                then {{ source_ordered_at }}
            when renamed.amount is null then renamed.source_amount
            when order_id_amounts.has_conflicting_amounts then renamed.order_id
        end as invalid_value
    from renamed
    left join order_id_amounts
        on renamed.order_id = order_id_amounts.order_id

)

select * from flagged

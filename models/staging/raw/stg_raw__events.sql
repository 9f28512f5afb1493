-- One row per raw event row: typed, trimmed, event type standardized through the
-- event_type_aliases seed, flagged with the reason it cannot be used. Empty (and typed) when no
-- events input is provided.
--
-- A view, and not de-duplicated here: events are the largest input (540M rows at 10M customers),
-- and de-duplicating all of them is a hash aggregation DuckDB cannot keep under a few GB of
-- memory_limit. Duplicates only change the windowed counts, so int_events_deduplicated removes
-- them from the events inside the feature window; the last event date is the same either way.
{{ config(materialized='view') }}
{%- set provided = raw_input_provided('events') %}
{% if provided %}{{ assert_input_columns('events', ['customer_id', 'occurred_at', 'event_type']) }}{% endif %}
{%- set input_types = input_column_types('events') if provided else {} %}
{#- A typed time keeps no raw text column (input_example_text; a quarter of this view's cost on
    typed Parquet, measured at 1M). #}
{%- set occurred_at_is_text = is_text_type(input_types.get('occurred_at')) %}
{%- set source_occurred_at = input_example_text('occurred_at', input_types.get('occurred_at')) %}

with

aliases as (

    select * from {{ ref('event_type_aliases') }}

),

{% if provided %}
source as (

    select * from {{ raw_input('events') }}

),

renamed as (

    select
        ----------  ids
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        ----------  categories
        nullif(
            replace(replace(lower(trim(cast(event_type as {{ dbt.type_string() }}))), ' ', '_'), '-', '_'), ''
        ) as source_event_type,

        ----------  timestamps
        {{ input_is_missing('occurred_at', input_types.get('occurred_at')) }} as is_occurred_at_missing,
        {{ input_timestamp('occurred_at', input_types.get('occurred_at'), 'events') }} as occurred_at,

        ----------  the raw text, for the examples of data_quality_issues
        {%- if occurred_at_is_text %}
        cast(occurred_at as {{ dbt.type_string() }}) as source_occurred_at,
        {%- endif %}
        cast(event_type as {{ dbt.type_string() }}) as source_event_type_text,
        {{ has_extra_fields('events') }} as has_extra_fields,
        {{ extra_fields_text('events') }} as source_extra_fields

    from source

),
{% else %}
renamed as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as source_event_type,
        cast(null as boolean) as is_occurred_at_missing,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at,
        {%- if occurred_at_is_text %}
        cast(null as {{ dbt.type_string() }}) as source_occurred_at,
        {%- endif %}
        cast(null as {{ dbt.type_string() }}) as source_event_type_text,
        cast(null as boolean) as has_extra_fields,
        cast(null as {{ dbt.type_string() }}) as source_extra_fields
    where 1 = 0

),
{% endif %}

standardized as (

    select
        renamed.customer_id,
        renamed.source_event_type,
        aliases.event_type,
        renamed.occurred_at,
        cast(renamed.occurred_at as date) as event_date,
        case
            when renamed.has_extra_fields then 'extra_fields'
            when renamed.customer_id is null then 'null_customer_id'
            when renamed.is_occurred_at_missing then 'null_timestamp'
            when renamed.occurred_at is null then 'unparseable_timestamp'
            when renamed.occurred_at > {{ build_started_at() }} then 'in_the_future'
            when aliases.event_type is null then 'unknown_event_type'
        end as invalid_reason,
        case
            when renamed.has_extra_fields then renamed.source_extra_fields
            when renamed.customer_id is null or renamed.is_occurred_at_missing then null
            when renamed.occurred_at is null or renamed.occurred_at > {{ build_started_at() }}
                then {{ source_occurred_at }}
            when aliases.event_type is null then renamed.source_event_type_text
        end as invalid_value
    from renamed
    left join aliases
        on renamed.source_event_type = aliases.source_event_type

)

select * from standardized

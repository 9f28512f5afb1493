{#
    name_claims_hold: fails on every word of a segment name (derived or carried; overrides are the
    user's own) that is not in the vocabulary, or whose claim is false for the segment's profile.
    vocabulary: a relation of (word, predicate); each predicate is evaluated on the profile row
    joined to thresholds (one row: active_days, lapsed_days), with the namesake flags of the
    comparatives: for each pair (top word, bottom word, measure), is_highest_<measure>_of_namesakes
    / is_lowest_<measure>_of_namesakes are true for the segment with the highest / lowest measure
    among two or more segments whose names are the same once the pair's words are taken out
    (the same pairs as COMPARATIVES in naming.py). Returns segment_id, segment_name, word.
#}
{% test name_claims_hold(model, vocabulary, thresholds) %}
{%- set words = [] %}
{#- Compiled before the seed exists (Spark's staged build compiles it early), no words are read:
    then every word of every name is unknown and the test fails, never passes vacuously. #}
{%- if execute %}
    {%- set vocabulary_relation = adapter.get_relation(
        database=vocabulary.database, schema=vocabulary.schema, identifier=vocabulary.identifier
    ) %}
    {%- if vocabulary_relation is not none %}
        {%- set rows = run_query(
            'select word, predicate from ' ~ vocabulary ~ ' order by length(word) desc, word'
        ) %}
        {%- for row in rows %}
            {%- do words.append({'word': row[0] | lower, 'predicate': row[1]}) %}
        {%- endfor %}
    {%- endif %}
{%- endif %}
{%- set comparatives = [
    ('higher-spend', 'lower-spend', 'mean_net_spend'),
    ('more-frequent', 'less-frequent', 'mean_order_count'),
    ('less-recent', 'more-recent', 'mean_days_since_last_order'),
] %}

with

profiles as (

    select * from {{ model }}
    where name_source != 'override'

),

thresholds as (

    select
        active_days,
        lapsed_days
    from {{ thresholds }}

),

padded as (

    select
        profiles.*,
        thresholds.active_days,
        thresholds.lapsed_days,
        -- every word between two spaces of its own, so adjacent words are each found
        ' ' || replace(lower(replace(profiles.segment_name, ',', ' ')), ' ', '  ') || ' ' as padded_name
    from profiles
    cross join thresholds

),

flagged as (

    select
        *,
        {%- for top, bottom, measure in comparatives %}
        {%- set key = "replace(replace(padded_name, ' " ~ top ~ " ', ' '), ' " ~ bottom ~ " ', ' ')" %}
        count(*) over (partition by {{ key }}) > 1
        and {{ measure }} = max({{ measure }}) over (partition by {{ key }})
            as is_highest_{{ measure }}_of_namesakes,
        count(*) over (partition by {{ key }}) > 1
        and {{ measure }} = min({{ measure }}) over (partition by {{ key }})
            as is_lowest_{{ measure }}_of_namesakes{% if not loop.last %},{% endif %}
        {%- endfor %}
    from padded

),

claims as (

    {%- for word in words %}
    select
        segment_id,
        segment_name,
        '{{ word.word }}' as word,
        coalesce({{ word.predicate }}, false) as holds
    from flagged
    where padded_name like '% {{ word.word }} %'

    union all
    {%- endfor %}

    -- what is left once every vocabulary word is taken out: words the vocabulary does not know
    {%- set ns = namespace(expression='padded_name') %}
    {%- for word in words %}
        {%- set ns.expression = "replace(" ~ ns.expression ~ ", ' " ~ word.word ~ " ', ' ')" %}
    {%- endfor %}
    select
        segment_id,
        segment_name,
        trim({{ ns.expression }}) as word,
        false as holds
    from flagged
    where trim({{ ns.expression }}) != ''

)

select
    segment_id,
    segment_name,
    word
from claims
where not holds

{% endtest %}

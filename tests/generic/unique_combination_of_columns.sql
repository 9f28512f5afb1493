{#
    unique_combination_of_columns: fails on every combination of the given columns that occurs on
    more than one row (returns the combination and how often it occurs).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}

{#
    first_clauses_differ: fails on every opening clause (the text before the first ';', trimmed
    and compared case-insensitively) that more than one row of column_name starts with. Filter the
    rows checked with dbt's own `config: {where: ...}`.
#}
{% test first_clauses_differ(model, column_name) %}

with

clauses as (

    select lower(trim({{ dbt.split_part(column_name, "';'", 1) }})) as first_clause
    from {{ model }}
    where {{ column_name }} is not null

)

select
    first_clause,
    count(*) as n_rows
from clauses
group by first_clause
having count(*) > 1

{% endtest %}

{#
    expression_is_true: fails on every row where the boolean expression is not true (false or
    null). Applied to a column, the expression is prefixed by the column name (e.g. ">= 0").
    Filter the rows checked with dbt's own `config: {where: ...}`.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where
    not coalesce(
        {%- if column_name is not none %} {{ column_name }}{% endif %} {{ expression }},
        false
    )

{% endtest %}

{#
    accepted_range: fails on every row whose value lies outside [min_value, max_value].
    Either bound may be omitted; nulls pass (pair with not_null where null is wrong).
    inclusive: false makes both bounds strict.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

checked as (

    select
        *,
        {{ column_name }} as checked_value
    from {{ model }}

)

select *
from checked
where
    checked_value is not null
    and (
        1 = 0
        {%- if min_value is not none %}
        or checked_value {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or checked_value {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
    )

{% endtest %}

{#
    forecast_recency_band / forecast_frequency_band: the cells of the expected-value forecast
    (int_forecast_cells). Fixed bands in days and orders, the same for every business: a 90-day
    forecast asks how long ago and how often, and these bands keep every cell large enough to learn
    from at a few thousand customers.
#}
{% macro forecast_recency_band(days_since_last_order) -%}
    case
        when {{ days_since_last_order }} <= 30 then 1
        when {{ days_since_last_order }} <= 90 then 2
        when {{ days_since_last_order }} <= 180 then 3
        when {{ days_since_last_order }} <= 365 then 4
        else 5
    end
{%- endmacro %}

{% macro forecast_frequency_band(order_count) -%}
    case
        when {{ order_count }} <= 1 then 1
        when {{ order_count }} <= 2 then 2
        when {{ order_count }} <= 4 then 3
        when {{ order_count }} <= 9 then 4
        else 5
    end
{%- endmacro %}

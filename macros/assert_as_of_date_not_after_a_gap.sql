{#
    assert_as_of_date_not_after_a_gap(orders) -> nothing; raises when the default as-of date (the
    latest valid order date) has no other valid order in the var as_of_gap_days (30) days before
    it while the input holds at least as_of_gap_min_orders (1000) valid orders: one mis-dated row
    would otherwise move every feature's point in time. The message names the var as_of_date.
#}
{% macro assert_as_of_date_not_after_a_gap(orders) %}
    {%- if execute -%}
        {%- set gap_days = var('as_of_gap_days', 30) | int -%}
        {%- set min_orders = var('as_of_gap_min_orders', 1000) | int -%}
        {%- set checked = run_query(
            "with valid as (select order_date from " ~ orders ~ " where invalid_reason is null),"
            ~ " latest as (select max(order_date) as latest_date, count(*) as n_valid from valid)"
            ~ " select latest.latest_date, latest.n_valid,"
            ~ " (select count(*) from valid where valid.order_date < latest.latest_date and valid.order_date >= "
            ~ dbt.dateadd('day', -gap_days, 'latest.latest_date') ~ ") as n_before,"
            ~ " (select max(valid.order_date) from valid where valid.order_date < latest.latest_date) as previous_date,"
            ~ " (select count(*) from valid where valid.order_date = latest.latest_date) as n_on_latest"
            ~ " from latest"
        ).rows[0] -%}
        {%- if checked['latest_date'] is not none and checked['n_valid'] >= min_orders and checked['n_before'] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "The default as-of date " ~ checked['latest_date'] ~ " (the latest valid order date"
                ~ " in orders, " ~ checked['n_on_latest'] ~ " order(s) on it) has no order in the "
                ~ gap_days ~ " days before it, among " ~ checked['n_valid'] ~ " valid orders; the"
                ~ " one before is on " ~ checked['previous_date'] ~ ". A stray date would move"
                ~ " every feature's point in time. Set var as_of_date (e.g. --vars '{as_of_date: "
                ~ checked['previous_date'] ~ "}') or fix the row (var as_of_gap_days tunes this check)."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#
    log_forecast_validation() -> an empty hook; as a post-hook of segment_forecast_validation it
    writes one line to dbt's log: for orders and spend in the next 90 days, the mean over the
    validation dates of the expected-value forecast's mean absolute error and rank correlation, and
    the naive "same as the last 90 days" forecast's (or why there is nothing to check).
#}
{% macro log_forecast_validation() %}
    {%- if execute %}
        {%- set result = run_query(
            "select measure, forecast, count(*), avg(mean_absolute_error), avg(rank_correlation)"
            ~ " from " ~ this ~ " group by measure, forecast order by measure, forecast"
        ) %}
        {%- if result.rows | length == 0 %}
            {{ log("forecast check: no validation dates (history_months too short for 90 days of observed outcomes): nothing checked", info=True) }}
        {%- else %}
            {%- set parts = [] %}
            {%- for row in result.rows %}
                {%- do parts.append(
                    row[0] ~ " " ~ row[1] ~ " MAE " ~ ("%.3f" | format(row[3] or 0))
                    ~ ", rank correlation " ~ ("%.3f" | format(row[4] or 0))
                ) %}
            {%- endfor %}
            {{ log("forecast check, mean over " ~ result.rows[0][2] ~ " validation dates: " ~ parts | join("; "), info=True) }}
        {%- endif %}
    {%- endif %}
{% endmacro %}

{#
    log_segment_validation() -> an empty hook; as a post-hook of segment_validation it writes one
    line to dbt's log: per segmentation, the mean over the validation dates of eta squared of
    next-90-day net spend and of bought again (or why there is nothing to compare).
#}
{% macro log_segment_validation() %}
    {%- if execute %}
        {%- set result = run_query(
            "select segmentation, count(*), avg(eta_squared_spend_90d), avg(eta_squared_bought_again_90d), max(n_groups)"
            ~ " from " ~ this ~ " group by segmentation order by segmentation"
        ) %}
        {%- if result.rows | length == 0 %}
            {{ log("segment validation: no validation dates (history_months too short for 90 days of observed outcomes): nothing compared", info=True) }}
        {%- else %}
            {%- set parts = [] %}
            {%- for row in result.rows %}
                {%- do parts.append(
                    row[0] ~ " (" ~ row[4] ~ " groups) spend " ~ ("%.3f" | format(row[2] or 0))
                    ~ ", bought again " ~ ("%.3f" | format(row[3] or 0))
                ) %}
            {%- endfor %}
            {{ log("segment validation, eta squared of the next 90 days, mean over " ~ result.rows[0][1] ~ " dates: " ~ parts | join("; "), info=True) }}
        {%- endif %}
    {%- endif %}
{% endmacro %}

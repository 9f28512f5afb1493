{#
    log_holdout_summary() -> an empty hook; as a post-hook of segment_holdout_summary it writes one
    line to dbt's log: the holdout's size, and the segments whose holdout group is smaller than
    min_holdout_customers, by name, too small to measure a campaign on.
#}
{% macro log_holdout_summary() %}
    {%- if execute %}
        {%- set result = run_query(
            "select segment_name, n_holdout, n_customers, is_too_small_to_hold_out from " ~ this
            ~ " order by segment_id"
        ) %}
        {%- set held = result.rows | sum(attribute=1) %}
        {%- set total = result.rows | sum(attribute=2) %}
        {%- set small = [] %}
        {%- for row in result.rows if row[3] %}
            {%- do small.append(row[0] ~ " (" ~ row[1] ~ " of " ~ row[2] ~ ")") %}
        {%- endfor %}
        {%- if holdout_threshold() == 0 %}
            {{ log("holdout: off (holdout_share 0)", info=True) }}
        {%- elif small %}
            {{ log("holdout: " ~ held ~ " of " ~ total ~ " customers; too few held out to measure a campaign (under min_holdout_customers " ~ var('min_holdout_customers') ~ "): " ~ small | join("; "), info=True) }}
        {%- else %}
            {{ log("holdout: " ~ held ~ " of " ~ total ~ " customers; every segment holds out at least min_holdout_customers " ~ var('min_holdout_customers'), info=True) }}
        {%- endif %}
    {%- endif %}
{% endmacro %}

{#
    data_quality_within_thresholds: on data_quality_issues, the rows whose excluded share is
    past their warn_if threshold (excluded_share_thresholds: vars max_excluded_share and
    max_excluded_share_by_reason); configure the test with severity warn, so dbt warns with
    them. Past an error_if threshold the test stops the build instead, with one message per
    row naming the input, the reason, the count, the share and an example value: it then
    fails, and everything downstream of data_quality_issues (the publish gate and every
    published table) is skipped.
#}
{% test data_quality_within_thresholds(model) %}

{%- set thresholds = excluded_share_thresholds() %}
{%- set ns = namespace(error_case='', warn_case='') %}
{%- for table_name, issue, level, condition in thresholds %}
    {%- set when = "when input_table = '" ~ table_name ~ "'"
        ~ ((" and issue = '" ~ issue ~ "'") if issue else "")
        ~ " then " ~ (("excluded_share " ~ condition) if condition else "false") ~ "\n" %}
    {%- if level == 'error_if' %}
        {%- set ns.error_case = ns.error_case ~ when %}
    {%- else %}
        {%- set ns.warn_case = ns.warn_case ~ when %}
    {%- endif %}
{%- endfor %}

{%- set checked_sql %}
    select
        input_table,
        issue,
        affected_rows,
        input_rows,
        excluded_share,
        example_value,
        coalesce(case {{ ns.error_case }} end, false) as is_past_error_if,
        coalesce(case {{ ns.warn_case }} end, false) as is_past_warn_if
    from {{ model }}
    where is_excluded and is_input_provided and affected_rows > 0
{%- endset %}

{%- if execute and load_relation(model) is not none %}
    {%- set past_error = run_query("select * from (" ~ checked_sql ~ ") as checked where is_past_error_if order by excluded_share desc") %}
    {%- if past_error.rows | length > 0 %}
        {%- set messages = [] %}
        {%- for row in past_error.rows %}
            {%- do messages.append(
                "Input " ~ row['input_table'] ~ ": " ~ row['affected_rows'] ~ " of "
                ~ row['input_rows'] ~ " lines (" ~ '%.1f' | format(100 * row['excluded_share'])
                ~ "%) excluded as " ~ row['issue'] ~ ", e.g. '" ~ row['example_value'] ~ "'"
                ~ "; past its error_if threshold (var max_excluded_share, or"
                ~ " max_excluded_share_by_reason for " ~ row['input_table'] ~ "." ~ row['issue'] ~ ")."
            ) %}
        {%- endfor %}
        {%- do messages.append(
            "Nothing was published. Fix the input, or raise the threshold if this loss is expected"
            ~ " (see data_quality_issues)."
        ) %}
        {{ exceptions.raise_compiler_error(messages | join('\n')) }}
    {%- endif %}
{%- endif %}

select *
from ({{ checked_sql }}) as checked
where is_past_warn_if

{% endtest %}

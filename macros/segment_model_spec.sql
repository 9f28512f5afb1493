{#
    segment_model_spec() -> the scoring spec (a dict) of the latest registered segment model.

    Read from segment_model_registry at execution time. At parse time (execute is false) it
    returns a one-feature, one-segment placeholder so models compile for dbt's DAG.
#}
{% macro segment_model_spec() %}
    {%- set registry = ref('segment_model_registry') -%}
    {%- if not execute -%}
        {{ return({
            'model_version': 'unparsed',
            'covariance_type': 'diag',
            'features': [{'name': 'order_count', 'fill_value': 0, 'transform': 'identity',
                          'lower': 0, 'upper': 1, 'center': 0, 'scale': 1}],
            'components': [{'segment_id': 1, 'log_constant': 0, 'mean': [0], 'projection': [[[0, 1]]]}],
        }) }}
    {%- endif -%}
    {%- set result = run_query(
        "select scoring_json from " ~ registry
        ~ " order by registered_at desc, model_version desc limit 1"
    ) -%}
    {%- if result.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "segment_model_registry (" ~ registry ~ ") holds no model: build with refit: true first."
        ) }}
    {%- endif -%}
    {{ return(fromjson(result.rows[0][0])) }}
{% endmacro %}

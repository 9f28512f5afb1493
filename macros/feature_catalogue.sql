{#-
    The feature catalogue: the columns of feat_customer_features that carry a meta.feature block
    in models/features/_features__models.yml, in their documented order (the Python package reads
    the same entries: customer_segments/features.py). The profiles take a mean, a median and a lift
    of each. While dbt parses (and sqlfluff lints) the graph is not read: a one-feature placeholder
    (net_spend) stands in, so the SQL it drives renders in its real shape.
-#}
{% macro feature_catalogue() %}
    {%- if not execute %}
        {{- return(['net_spend']) }}
    {%- endif %}
    {#- this package's model, also when another project installs it #}
    {%- set node = graph.nodes.get('model.customer_segments.feat_customer_features') %}
    {%- set features = [] %}
    {%- for name, column in node.columns.items() %}
        {%- set meta = column.meta or {} %}
        {%- if 'feature' in meta %}
            {%- do features.append(name) %}
        {%- endif %}
    {%- endfor %}
    {%- if features | length == 0 %}
        {{- exceptions.raise_compiler_error(
            'feature_catalogue: no column of feat_customer_features has meta.feature '
            ~ '(models/features/_features__models.yml)'
        ) }}
    {%- endif %}
    {{- return(features) }}
{% endmacro %}

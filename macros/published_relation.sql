{#-
    The relation a published model was last written to, as dbt would name it now (its configured
    database, schema and alias, read from the project graph), or none before the first publish.
    For the few places that compare a candidate with what readers have: anti-flapping, the change
    feed, the shrink guard and the share-drift test. A renamed schema or alias moves with the model.
-#}
{% macro published_relation(model_name) %}
    {%- if not execute %}
        {{- return(none) }}
    {%- endif %}
    {#- this package's model, also when another project installs it (project_name is the root's) #}
    {%- set node = graph.nodes.get('model.customer_segments.' ~ model_name) %}
    {%- if node is none %}
        {{- exceptions.raise_compiler_error(
            'published_relation: no model named ' ~ model_name ~ ' in customer_segments'
        ) }}
    {%- endif %}
    {{- return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias or node.name
    )) }}
{% endmacro %}

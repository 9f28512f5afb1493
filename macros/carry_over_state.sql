{#-
    on-run-start: carry the tables a build reads back (the published membership, the model
    registry, the derived names, the snapshot log) over from the single schema of versions before
    0.2.0 into their layer's schema, once. Without it the first build after upgrading would see no
    previous membership (every customer "entered", anti-flapping reset), no registered model and
    no earlier names. A table is copied only when its new place is empty and the old one exists;
    the old tables are left where they were, and the log says which can be dropped.
-#}
{% macro carry_over_state() %}
    {%- if not execute %}
        {{- return('') }}
    {%- endif %}
    {%- set stateful = [
        'segment_membership', 'segment_model_registry', 'int_segment_names_derived',
        'segment_snapshots',
    ] %}
    {%- for name in stateful %}
        {%- set node = graph.nodes.get('model.customer_segments.' ~ name) %}
        {%- if node is not none and node.config.enabled and node.schema != target.schema %}
            {%- set identifier = node.alias or node.name %}
            {%- set new = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=identifier
            ) %}
            {%- set old = adapter.get_relation(
                database=node.database, schema=target.schema, identifier=identifier
            ) %}
            {%- if new is none and old is not none %}
                {%- set destination = api.Relation.create(
                    database=node.database, schema=node.schema, identifier=identifier, type='table'
                ) %}
                {%- do adapter.create_schema(destination) %}
                {%- do run_query(
                    'create table ' ~ destination
                    ~ (' using parquet' if target.type == 'spark' else '')
                    ~ ' as select * from ' ~ old
                ) %}
                {#- dbt read the warehouse's tables before this hook: tell it this one exists,
                    so the incremental models append to it instead of creating it again #}
                {%- do adapter.cache_added(destination) %}
                {%- do log(
                    'customer_segments: carried ' ~ old ~ ' over to ' ~ destination
                    ~ ' (tables are in schemas by layer since 0.2.0); the old copy is no longer read',
                    info=true
                ) %}
            {%- endif %}
        {%- endif %}
    {%- endfor %}
    {{- return('') }}
{% endmacro %}

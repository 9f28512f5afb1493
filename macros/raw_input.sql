{#
    raw_input(table_name) -> a relation expression for one raw input table.

    Records where the input comes from, so lineage shows it. Then:
    - var `<table>_location` set: a DuckDB reader over that Parquet or CSV path/glob (CSV read as
      text, so staging does every cast and counts what fails);
    - var `<table>_model` set: that dbt model, read with `ref` (a model of the project being run,
      e.g. the staging model of a project that installs this one as a package; `package.model`
      for a model of another package);
    - var raw_schema set: the source table in the warehouse (the dbt source `raw`);
    - otherwise: the bundled sample seed `raw_<table>` (a ref, so dbt loads it first; it is the
      same table the source points at).
    When an optional input is not provided (see raw_input_provided), staging does not call this.
#}
{% macro raw_input(table_name) -%}
    {%- set location = var(table_name ~ '_location', none) -%}
    {#- a model input shows as that model (raw_input_relation's ref); the rest as the source #}
    {%- if location or not var(table_name ~ '_model', none) -%}
        {%- do source('raw', table_name) -%}
    {%- endif -%}
    {%- if location -%}
        {{ read_location(location, table_name) }}
    {%- else -%}
        {{ raw_input_relation(table_name) }}
    {%- endif -%}
{%- endmacro %}


{#
    raw_input_relation(table_name) -> the relation behind raw_input when it is a table (a dbt
    model named by `<table>_model`, the warehouse source or the bundled seed).
#}
{% macro raw_input_relation(table_name) -%}
    {%- set model_name = var(table_name ~ '_model', none) -%}
    {%- if model_name -%}
        {%- set parts = (model_name | trim).split('.') -%}
        {%- if parts | length == 2 -%}
            {{ return(ref(parts[0], parts[1])) }}
        {%- elif parts | length == 1 -%}
            {#- the running project's model, named outright: no search through packages #}
            {{ return(ref(project_name, parts[0])) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ table_name ~ "_model '" ~ model_name ~ "' must name a dbt model:"
            ~ " `model_name` or `package_name.model_name`."
        ) }}
    {%- elif var('raw_schema', none) -%}
        {{ return(source('raw', table_name)) }}
    {%- elif not uses_bundled_sample() -%}
        {{ exceptions.raise_compiler_error(
            "customer_segments has no " ~ table_name ~ " input: set var " ~ table_name ~ "_model"
            ~ " (a dbt model), " ~ table_name ~ "_location (a file) or raw_schema (warehouse"
            ~ " tables); or use_bundled_sample: true to build the bundled sample."
        ) }}
    {%- else -%}
        {{ return(ref('raw_' ~ table_name)) }}
    {%- endif -%}
{%- endmacro %}


{#
    uses_bundled_sample() -> true when the raw inputs are the bundled sample seeds: no orders
    location, model or raw_schema is set, and either this is the customer_segments project itself
    or the project installing it set var use_bundled_sample: true. Also decides whether the sample
    seeds are loaded at all (dbt_project.yml), so a build on other inputs, or a host project,
    never writes them to the warehouse.
#}
{% macro uses_bundled_sample() -%}
    {%- set other_inputs = var('orders_location', none) or var('orders_model', none) or var('raw_schema', none) -%}
    {{ return(not other_inputs and (project_name == 'customer_segments' or var('use_bundled_sample', false))) }}
{%- endmacro %}


{#
    read_location(location, table_name, rejects_table=none) -> a relation expression reading a
    Parquet or CSV path or glob.

    DuckDB, Parquet: read_parquet(...). DuckDB, CSV: read_csv(...) with the layout of the header
    (csv_layout) given, not sniffed: every column as text, plus two more, `_extra_field_1` and
    `_extra_field_2`, non-empty on a line with more fields than the header (staging flags it
    `extra_fields`, so an unquoted `1,234.50` is never read as 1). Not strict, so a file with
    mixed CRLF and LF line endings reads line by line (and a quote that never closes reads on to
    the next quote: staging counts those lines, unterminated_quote); lines the reader still cannot
    read (invalid UTF-8) are skipped, and with rejects_table stored in that temporary table (and
    its `_scan` table) for stg_raw__rejected_lines. Files of one glob share the first file's header. Spark:
    parquet.`path` (Parquet only).
#}
{% macro read_location(location, table_name, rejects_table=none) -%}
    {{ return(adapter.dispatch('read_location', 'customer_segments')(location, table_name, rejects_table)) }}
{%- endmacro %}

{% macro default__read_location(location, table_name, rejects_table=none) -%}
    {%- set path = location | trim -%}
    {%- set lowered = path | lower -%}
    {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if is_csv_location(path) -%}
        {%- set layout = csv_layout(path, table_name) -%}
        {%- set columns = [] -%}
        {%- for name in layout.columns + ['_extra_field_1', '_extra_field_2'] -%}
            {%- do columns.append("'" ~ (name | replace("'", "''")) ~ "': 'VARCHAR'") -%}
        {%- endfor -%}
        {%- if not layout.columns -%}
        read_csv({{ quoted }}, header = true, all_varchar = true)
        {%- else -%}
        read_csv(
            {{ quoted }}, auto_detect = false, header = true,
            delim = '{{ layout.delimiter }}', quote = '"', escape = '"',
            columns = { {{- columns | join(', ') -}} },
            strict_mode = false, null_padding = true, parallel = false,
            {%- if rejects_table %}
            store_rejects = true, rejects_table = '{{ rejects_table }}', rejects_scan = '{{ rejects_table }}_scan'
            {%- else %}
            ignore_errors = true
            {%- endif %}
        )
        {%- endif -%}
    {%- elif lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        read_parquet({{ quoted }}, union_by_name = true)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "Input location '" ~ path ~ "' must end in .parquet, .pq, .csv, .csv.gz or .tsv"
            ~ " (a path or a glob read by DuckDB)."
        ) }}
    {%- endif -%}
{%- endmacro %}

{# is_csv_location(location) -> true when a *_location is read as CSV (.csv, .csv.gz, .tsv). #}
{% macro is_csv_location(location) -%}
    {%- set lowered = (location or '') | trim | lower -%}
    {{ return(lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv')) }}
{%- endmacro %}

{% macro spark__read_location(location, table_name, rejects_table=none) -%}
    {%- set path = location | trim -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        parquet.`{{ path | replace('`', '``') }}`
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "Input location '" ~ path ~ "': on Spark a *_location must be Parquet (.parquet, .pq);"
            ~ " load CSV into tables and point raw_schema at them."
        ) }}
    {%- endif -%}
{%- endmacro %}

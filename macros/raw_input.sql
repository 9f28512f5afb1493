{#
    raw_input(table_name) -> a relation expression for one raw input table.

    Always records the dbt source (so lineage shows it). Then:
    - var `<table>_location` set: a DuckDB reader over that Parquet or CSV path/glob (CSV read as
      text, so staging does every cast and counts what fails);
    - var raw_schema set: the source table in the warehouse;
    - otherwise: the bundled sample seed `raw_<table>` (a ref, so dbt loads it first; it is the
      same table the source points at).
    When an optional input is not provided (see raw_input_provided), staging does not call this.
#}
{% macro raw_input(table_name) -%}
    {%- do source('raw', table_name) -%}
    {%- set location = var(table_name ~ '_location', none) -%}
    {%- if location -%}
        {{ read_location(location, table_name) }}
    {%- else -%}
        {{ raw_input_relation(table_name) }}
    {%- endif -%}
{%- endmacro %}


{#
    raw_input_relation(table_name) -> the relation behind raw_input when it is a table (the
    warehouse source or the bundled seed).
#}
{% macro raw_input_relation(table_name) -%}
    {%- if var('raw_schema', none) -%}
        {{ return(source('raw', table_name)) }}
    {%- else -%}
        {{ return(ref('raw_' ~ table_name)) }}
    {%- endif -%}
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

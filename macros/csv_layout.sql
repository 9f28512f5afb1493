{#
    csv_layout(location, table_name) -> {'delimiter': ..., 'columns': [...]} of a CSV input, from
    the first line of its first file.

    The first line that is valid UTF-8 is read, so a file of the wrong kind fails here with an
    error naming the var, the path and that line, not in DuckDB's sniffer: a line with control
    characters (UTF-16, a spreadsheet or other binary file saved as .csv) cannot be a header.
    The delimiter is `\t` for .tsv, else the most frequent of `,` `;` `|` tab in the header.
    Quotes around names and a UTF-8 byte-order mark are removed; an empty last name (a trailing
    delimiter on every line) is dropped. At parse time (no execution): an empty layout.
#}
{% macro csv_layout(location, table_name) %}
    {%- if not execute -%}
        {{ return({'delimiter': ',', 'columns': []}) }}
    {%- endif -%}
    {%- set path = location | trim -%}
    {%- set described = table_name ~ "_location '" ~ path ~ "'" -%}
    {%- set first = run_query(
        "select line from read_csv('" ~ (path | replace("'", "''")) ~ "', auto_detect = false,"
        ~ " header = false, delim = '\\x1f', quote = '', escape = '', columns = {'line': 'VARCHAR'},"
        ~ " strict_mode = false, ignore_errors = true, parallel = false) limit 1"
    ) -%}
    {%- if first.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error("Input " ~ described ~ " is empty: no header line.") }}
    {%- endif -%}
    {%- set line = (first.rows[0][0] or '') | replace('\ufeff', '') | replace('\r', '') -%}
    {%- set ns = namespace(control=false) -%}
    {%- for character in line -%}
        {%- if character < ' ' and character != '\t' -%}
            {%- set ns.control = true -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.control or (line | trim) == '' -%}
        {{ exceptions.raise_compiler_error(
            "Input " ~ described ~ " cannot be read as a UTF-8 CSV file: its first readable line is '"
            ~ (line | replace('\x00', ''))[:80] ~ "'"
            ~ (" (with NUL bytes: it looks UTF-16 encoded)" if '\x00' in line else " (with control characters)")
            ~ ". Save it as UTF-8 CSV (comma, semicolon, tab or |"
            ~ " separated, with a header row), or convert it to Parquet."
        ) }}
    {%- endif -%}
    {%- if (path | lower).endswith('.tsv') -%}
        {%- set delimiter = '\t' -%}
    {%- else -%}
        {%- set ns = namespace(delimiter=',', count=line.count(',')) -%}
        {%- for candidate in [';', '\t', '|'] -%}
            {%- if line.count(candidate) > ns.count -%}
                {%- set ns.delimiter = candidate -%}
                {%- set ns.count = line.count(candidate) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set delimiter = ns.delimiter -%}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name in line.split(delimiter) -%}
        {%- set cleaned = name | trim | replace('"', '') | trim -%}
        {%- if cleaned != '' or not loop.last -%}
            {%- do columns.append(cleaned if cleaned != '' else 'column_' ~ loop.index) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'delimiter': delimiter, 'columns': columns}) }}
{% endmacro %}

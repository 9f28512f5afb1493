"""dbt's cross-database macros (`dbt.<name>(...)`) as rendered for DuckDB, for linting only."""


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_bigint():
    return "bigint"


def type_float():
    return "float"


def type_numeric():
    return "numeric(28, 6)"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"


def current_timestamp():
    return "now()"


def datediff(first_date, second_date, datepart):
    return (
        f"date_diff('{datepart}', cast({first_date} as timestamp), "
        f"cast({second_date} as timestamp))"
    )


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def last_day(date, datepart):
    return f"cast(date_trunc('{datepart}', {date}) + interval 1 {datepart} - interval 1 day as date)"


def hash(field):  # noqa: A001 - named after dbt's macro
    return f"md5(cast({field} as varchar))"


def safe_cast(field, type):  # noqa: A002 - named after dbt's macro argument
    return f"try_cast({field} as {type})"


def concat(fields):
    return f"concat({', '.join(str(field) for field in fields)})"


def string_literal(value):
    return f"'{value}'"


def escape_single_quotes(expression):
    return str(expression).replace("'", "''")


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def any_value(expression):
    return f"any_value({expression})"


def bool_or(expression):
    return f"bool_or({expression})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order_by = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order_by})"

"""dbt's cross-database macros (`dbt.<name>(...)`) as dbt-duckdb renders them, for linting only."""


def type_string():
    """Return the string type."""
    return "varchar"


def type_int():
    """Return the 32-bit integer type."""
    return "integer"


def type_bigint():
    """Return the 64-bit integer type."""
    return "bigint"


def type_float():
    """Return the float type."""
    return "float"


def type_numeric():
    """Return the numeric type."""
    return "numeric(28, 6)"


def type_boolean():
    """Return the boolean type."""
    return "boolean"


def type_timestamp():
    """Return the timestamp type."""
    return "timestamp"


def current_timestamp():
    """Return the current timestamp expression."""
    return "now()"


def datediff(first_date, second_date, datepart):
    """Return the number of datepart boundaries between two dates."""
    return (
        f"date_diff('{datepart}', cast({first_date} as timestamp), "
        f"cast({second_date} as timestamp))"
    )


def dateadd(datepart, interval, from_date_or_timestamp):
    """Return the date plus interval dateparts."""
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart, date):
    """Return the date truncated to the datepart."""
    return f"date_trunc('{datepart}', {date})"


def last_day(date, datepart):
    """Return the last day of the date's datepart."""
    return (
        f"cast(date_trunc('{datepart}', {date}) + interval 1 {datepart} - interval 1 day as date)"
    )


def hash(field):
    """Return the md5 hash of the field as text."""
    return f"md5(cast({field} as varchar))"


def safe_cast(field, type):
    """Return the field cast to type, null where the cast fails."""
    return f"try_cast({field} as {type})"


def concat(fields):
    """Return the concatenation of the fields."""
    return f"concat({', '.join(str(field) for field in fields)})"


def string_literal(value):
    """Return the value as a quoted string literal."""
    return f"'{value}'"


def split_part(string_text, delimiter_text, part_number):
    """Return one part of the string split on the delimiter."""
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def any_value(expression):
    """Return any value of the expression in the group."""
    return f"any_value({expression})"

"""Lint-time stand-ins for the dbt Jinja context, used by sqlfluff's jinja templater.

.sqlfluff points `library_path` here, and sqlfluff exposes every public name of this package to
the templates: `var`, `run_query`, `adapter`, `exceptions`, and the submodule `dbt` (dbt's
cross-database macros). `execute` and the values var() returns are set in .sqlfluff's
[sqlfluff:templater:jinja:context]; `ref`, `source`, `config`, `this`, `is_incremental`,
`return`, `fromjson` and `tojson` come from sqlfluff's `apply_dbt_builtins`; the project's own
macros are loaded from macros/ as they are. Nothing here runs in dbt: it only has to render
plausible SQL so that the models and singular tests can be linted.
"""

from jinja2 import pass_context as _pass_context


@_pass_context
def var(context, name, default=None):
    """Stand in for dbt's var: the value set in .sqlfluff's context, else the default."""
    return context.get(name, default)


def run_query(sql):
    """Stand in for dbt's run_query, reached only where a file sets execute to true.

    Explainer rules (rule_id, rule_sql) get two rules that partition on order_count; any other
    query gets no rows.
    """
    if "rule_sql" in str(sql):
        rules = [("r01", "order_count <= 2"), ("r02", "order_count > 2")]
        return _Result(["rule_id", "rule_sql"], rules)
    return _Result([], [])


class _Result:
    """The parts of dbt's agate table the project reads: column_names and rows."""

    def __init__(self, column_names, rows):
        self.column_names = column_names
        self.rows = rows


class _Adapter:
    @_pass_context
    def dispatch(self, context, macro_name, macro_namespace=None):
        """Stand in for dbt's adapter.dispatch(): the duckdb__ macro, else default__."""
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                return macro
        raise NameError(f"no duckdb__ or default__ implementation of {macro_name!r}")

    def get_relation(self, database=None, schema=None, identifier=None):
        """As on a first build: the relation does not exist yet."""
        return None


class _Exceptions:
    def raise_compiler_error(self, message):
        raise RuntimeError(message)

    def warn(self, message):
        return ""


adapter = _Adapter()
exceptions = _Exceptions()


class _Target:
    """Stands in for dbt's `target` (the profile's output)."""

    database = "customer_segments"
    schema = "main"
    type = "duckdb"


target = _Target()

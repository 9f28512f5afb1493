"""Lint-time stand-ins for the dbt Jinja context, used by sqlfluff's jinja templater.

sqlfluff (see /.sqlfluff, `library_path`) exposes every public name of this package to the
templates: `var`, `execute`, `run_query`, `adapter`, `exceptions`, and the submodule `dbt`
(dbt's cross-database macros). The project's own macros are loaded from macros/ as they are.
Nothing here runs in dbt; it only has to render plausible SQL so the models can be linted.
`ref`, `source`, `config`, `this`, `is_incremental`, `return`, `fromjson` and `tojson` come
from sqlfluff's `apply_dbt_builtins`.
"""

from jinja2 import pass_context as _pass_context

# As at dbt parse time: macros take their "not execute" branch (segment_model_spec returns its
# one-segment placeholder, segment_rule_case a typed null, assert_input_columns nothing).
execute = False


@_pass_context
def var(context, name, default=None):
    """dbt's var(): the value set in [sqlfluff:templater:jinja:context], else the default."""
    return context.get(name, default)


def run_query(sql):
    """Never reached while execute is false; an empty result if it is."""
    return _EmptyResult()


class _EmptyResult:
    rows = []
    columns = []
    column_names = []


class _Adapter:
    @_pass_context
    def dispatch(self, context, macro_name, macro_namespace=None):
        """dbt's adapter.dispatch: the duckdb__ implementation, else default__."""
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                return macro
        raise NameError(f"No duckdb__ or default__ implementation of {macro_name!r}")

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

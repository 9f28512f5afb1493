"""The dbt side of the Python models: dbt's log, their inputs as pandas, a table probe.

The steps themselves are `customer_segments.steps`; publishing is `customer_segments.export`.
"""

import pandas as pd


def dbt_log(message: str) -> None:
    """Write one line to dbt's own log (console and logs/dbt.log)."""
    try:
        from dbt.adapters.events.logging import AdapterLogger
    except ImportError:  # outside dbt, e.g. the Spark command
        print(message, flush=True)
        return
    AdapterLogger("customer_segments").info(message)


def as_pandas(frame) -> pd.DataFrame:
    """Return a pandas frame from a dbt Python model's input: a DuckDB relation or Spark DataFrame.

    On Databricks `dbt.ref` gives a Spark DataFrame; the models only read bounded tables (the
    SQL-drawn fit sample, the registry, the overrides), so collecting them to the driver is safe.
    """
    if hasattr(frame, "toPandas"):
        return frame.toPandas()
    return frame.df()


def table_exists(session, schema: str, identifier: str) -> bool:
    """Return True when the table exists: Spark's catalog, or DuckDB's information_schema."""
    catalog = getattr(session, "catalog", None)
    if catalog is not None and hasattr(catalog, "tableExists"):
        return bool(catalog.tableExists(f"{schema}.{identifier}"))
    found = session.sql(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{identifier}'"
    ).fetchall()
    return bool(found[0][0])

"""Publishing for readers: the readers' DuckDB file and the sync files (Parquet and CSV).

Called by the `published_export` model after every published table built; each table arrives as
the relation the model read through its `ref`.
"""

from collections.abc import Mapping

import pandas as pd

PUBLISHED_TABLES = [
    "segment_membership",
    "segment_membership_changes",
    "segment_profiles",
    "segment_rules",
    "segment_history",
    "segment_transitions",
    "segment_lifecycle_transitions",
    "segment_lifecycle_thresholds",
    "segment_outcomes",
    "segment_validation",
    "segment_forecast_validation",
    "segment_holdout_summary",
    "segment_model_selection",
    "segment_lineage",
]


EXPORTED_TABLES = {
    "segment_membership": "customer_id",
    "segment_membership_changes": "customer_id",
    "segment_profiles": "segment_id",
    "segment_rules": "rule_id",
}
KEPT_EXPORT_RUNS = 3


def export_files(published: Mapping, exports_dir: str) -> list[dict]:
    """Write the sync tables as Parquet and CSV into a new run folder, then repoint `current`.

    `published` maps each table name to its relation as the model read it (`dbt.ref`). Sorted by
    key, fixed column order, so the same build gives the same bytes. CSV: header, comma,
    UTF-8, nulls as empty unquoted fields (text values are never empty, so an empty field is
    always a null). `current` is a symlink swapped with an atomic rename; the last
    KEPT_EXPORT_RUNS run folders are kept.
    """
    import os
    import shutil
    from datetime import UTC, datetime
    from pathlib import Path

    root = Path(exports_dir).resolve()
    runs = root / "runs"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run = runs / stamp
    run.mkdir(parents=True)
    rows = []
    for table, key in EXPORTED_TABLES.items():
        for extension, options in (("parquet", "format parquet"), ("csv", "format csv, header")):
            path = run / f"{table}.{extension}"
            published[table].query(
                "published",
                f"copy (select * from published order by {key}) to '{path}' ({options})",
            )
            rows.append({"table_name": table, "file_path": str(path)})
    link = root / "current"
    temporary = root / f".current.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("runs") / stamp)
    os.replace(temporary, link)
    for old in sorted(runs.iterdir())[:-KEPT_EXPORT_RUNS]:
        shutil.rmtree(old)
    return rows


def reader_database_path(session, configured: str | None) -> str:
    """Return the readers' file: the var, or `<build file>_published.duckdb` beside the build."""
    if configured:
        return configured
    main_path = session.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0][0]
    if not main_path:
        raise ValueError("the build database is in memory: set var published_database_path")
    base = main_path[: -len(".duckdb")] if main_path.endswith(".duckdb") else main_path
    return f"{base}_published.duckdb"


def export_for_readers(session, published: Mapping, target_path: str) -> pd.DataFrame:
    """Copy the published tables into a fresh DuckDB file and swap it in atomically.

    Readers (dashboards) open `target_path` read-only: a DuckDB file with a writer is locked
    against every other process, so they never read the build's own file. The copy is written
    to a temporary file, checkpointed and detached, then renamed over the old one (an atomic
    rename on one file system): a reader sees the old complete file or the new complete file.
    `published` maps each of PUBLISHED_TABLES to its relation as the model read it (`dbt.ref`);
    in the readers' file the tables sit in its default schema, `main`.
    """
    import os
    from datetime import UTC, datetime
    from pathlib import Path

    target = Path(target_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    alias = "published_for_readers"
    rows = []
    missing = sorted(set(PUBLISHED_TABLES) - set(published))
    if missing:
        raise ValueError(f"published_export: no relation for {', '.join(missing)}")
    session.execute(f"attach '{temporary}' as {alias}")
    try:
        for table in PUBLISHED_TABLES:
            published[table].query(
                "published", f'create table {alias}.main."{table}" as select * from published'
            )
            count = session.sql(f'select count(*) from {alias}.main."{table}"').fetchall()[0][0]
            rows.append({"table_name": table, "n_rows": int(count)})
        session.execute(f"checkpoint {alias}")
    finally:
        session.execute(f"detach {alias}")
    os.replace(temporary, target)
    exported_at = datetime.now(UTC).replace(tzinfo=None)
    frame = pd.DataFrame(rows)
    frame["database_path"] = str(target)
    frame["exported_at"] = pd.Timestamp(exported_at)
    return frame.astype({"table_name": "string", "database_path": "string", "n_rows": "int64"})


def publish_for_readers(
    session, published: Mapping, database_path: str | None, exports_path: str | None
) -> pd.DataFrame:
    """Write the readers' file and the sync files; one row per table with where it went."""
    database_path = reader_database_path(session, database_path)
    copied = export_for_readers(session, published, database_path)
    exports_dir = exports_path or database_path.removesuffix(".duckdb") + "_exports"
    files = pd.DataFrame(export_files(published, exports_dir))
    parquet = files[files["file_path"].str.endswith(".parquet")].rename(
        columns={"file_path": "parquet_path"}
    )
    csv = files[files["file_path"].str.endswith(".csv")].rename(columns={"file_path": "csv_path"})
    merged = copied.merge(parquet, on="table_name", how="left").merge(
        csv, on="table_name", how="left"
    )
    return merged.astype({"parquet_path": "string", "csv_path": "string"})

"""dbt Python model: after a green publish, write the readers' DuckDB file and the sync files."""

import pandas as pd

from customer_segments.dbt_runtime import (
    export_files,
    export_for_readers,
    reader_database_path,
)


def model(dbt, session):
    """One row per table copied to the readers' file, with the exported Parquet and CSV files."""
    dbt.config(materialized="table")
    # Every published table, read through its ref (dbt finds the refs by their literal names, so
    # they are spelled out; the export checks this holds every one of PUBLISHED_TABLES).
    published = {
        "segment_membership": dbt.ref("segment_membership"),
        "segment_membership_changes": dbt.ref("segment_membership_changes"),
        "segment_profiles": dbt.ref("segment_profiles"),
        "segment_rules": dbt.ref("segment_rules"),
        "segment_history": dbt.ref("segment_history"),
        "segment_transitions": dbt.ref("segment_transitions"),
        "segment_lifecycle_transitions": dbt.ref("segment_lifecycle_transitions"),
        "segment_lifecycle_thresholds": dbt.ref("segment_lifecycle_thresholds"),
        "segment_outcomes": dbt.ref("segment_outcomes"),
        "segment_validation": dbt.ref("segment_validation"),
        "segment_forecast_validation": dbt.ref("segment_forecast_validation"),
        "segment_holdout_summary": dbt.ref("segment_holdout_summary"),
        "segment_model_selection": dbt.ref("segment_model_selection"),
        "segment_lineage": dbt.ref("segment_lineage"),
    }
    database_path = reader_database_path(session, dbt.config.get("published_database_path"))
    copied = export_for_readers(session, published, database_path)
    exports_dir = (
        dbt.config.get("exports_path") or database_path.removesuffix(".duckdb") + "_exports"
    )
    files = pd.DataFrame(export_files(published, exports_dir))
    parquet = files[files["file_path"].str.endswith(".parquet")].rename(
        columns={"file_path": "parquet_path"}
    )
    csv = files[files["file_path"].str.endswith(".csv")].rename(columns={"file_path": "csv_path"})
    merged = copied.merge(parquet, on="table_name", how="left").merge(
        csv, on="table_name", how="left"
    )
    return merged.astype({"parquet_path": "string", "csv_path": "string"})

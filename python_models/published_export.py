"""dbt Python model: after a green publish, write the readers' DuckDB file and swap it in."""

from customer_segments.dbt_runtime import export_for_readers, reader_database_path


def model(dbt, session):
    """One row per table copied to the readers' file (its path and row count)."""
    dbt.config(materialized="table")
    # Depend on every published table, so this runs only after all of them were built.
    dbt.ref("segment_membership")
    dbt.ref("segment_profiles")
    dbt.ref("segment_rules")
    dbt.ref("segment_history")
    dbt.ref("segment_transitions")
    path = reader_database_path(session, dbt.config.get("published_database_path"))
    return export_for_readers(session, dbt.this.schema, path)

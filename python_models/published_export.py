"""dbt Python model: after a green publish, write the readers' DuckDB file and the sync files."""

from customer_segments.export import publish_for_readers


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
    return publish_for_readers(
        session,
        published,
        dbt.config.get("published_database_path"),
        dbt.config.get("exports_path"),
    )

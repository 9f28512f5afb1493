"""dbt Python model: what each refit did to the segments (carried over, new, split, merged...)."""

from customer_segments.model.registry import lineage_frame


def model(dbt, session):
    """One row per segment event per registered model version, from the registry."""
    dbt.config(materialized="table")
    return lineage_frame(dbt.ref("segment_model_registry").df())

"""dbt Python model: every candidate model evaluated for each registered version."""

from customer_segments.model.registry import selection_frame


def model(dbt, session):
    """One row per (model_version, k, covariance_type) candidate, from the registry."""
    dbt.config(materialized="table")
    return selection_frame(dbt.ref("segment_model_registry").df())

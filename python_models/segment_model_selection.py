"""dbt Python model: every candidate model evaluated for each registered version."""

from customer_segments.dbt_runtime import as_pandas
from customer_segments.model.registry import selection_frame


def model(dbt, session):
    """One row per (model_version, k, covariance_type) candidate, from the registry."""
    dbt.config(materialized="table")
    return selection_frame(as_pandas(dbt.ref("segment_model_registry")))

"""dbt Python model: what each refit did to the segments (carried over, new, split, merged...)."""

from customer_segments.dbt_runtime import as_pandas
from customer_segments.model.registry import lineage_frame


def model(dbt, session):
    """One row per segment event per registered model version, from the registry."""
    dbt.config(materialized="table")
    return lineage_frame(as_pandas(dbt.ref("segment_model_registry")))

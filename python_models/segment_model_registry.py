"""dbt Python model: fit the segment model on the SQL-drawn sample and append it to the registry."""

from customer_segments.dbt_runtime import as_pandas, dbt_log
from customer_segments.steps import FitInputs, fit_or_reuse, parse_model_config


def model(dbt, session):
    """Append one row per newly fitted model version; never rewritten (full_refresh: false)."""
    dbt.config(materialized="incremental", full_refresh=False)
    registry = as_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    inputs = FitInputs(
        sample=as_pandas(dbt.ref("int_fit_sample")),
        registry=registry,
        outcome_sample=as_pandas(dbt.ref("int_outcome_fit_sample")),
        validation_sample=as_pandas(dbt.ref("int_validation_sample")),
    )
    config = parse_model_config(dbt.config.get("segment_model_config"))
    return fit_or_reuse(inputs, config, log=dbt_log)

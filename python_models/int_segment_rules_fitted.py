"""dbt Python model: the decision-tree explainer — readable rules that reproduce the segments."""

from customer_segments.dbt_runtime import as_pandas, dbt_log, explain_segments


def model(dbt, session):
    """One row per leaf of a shallow tree predicting the segment on the unscaled features."""
    dbt.config(materialized="table")
    sample = as_pandas(dbt.ref("int_scored_fit_sample"))
    registry = as_pandas(dbt.ref("segment_model_registry"))
    return explain_segments(
        sample,
        registry,
        max_depth=int(dbt.config.get("rule_max_depth")),
        min_leaf_share=float(dbt.config.get("rule_min_leaf_share")),
        seed=int(dbt.config.get("seed")),
        log=dbt_log,
    )

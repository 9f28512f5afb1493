"""dbt Python model: the decision-tree explainer — readable rules that reproduce the segments."""

from customer_segments.dbt_runtime import as_pandas, dbt_log
from customer_segments.steps import ExplainConfig, explain_segments


def model(dbt, session):
    """One row per leaf of a shallow tree predicting the segment on the unscaled features."""
    dbt.config(materialized="table")
    # each key read by a literal dbt.config.get: that is how dbt knows to pass it to the model
    config = ExplainConfig.from_config(
        {
            "rule_max_depth": dbt.config.get("rule_max_depth"),
            "rule_min_leaf_share": dbt.config.get("rule_min_leaf_share"),
            "seed": dbt.config.get("seed"),
        }
    )
    return explain_segments(
        as_pandas(dbt.ref("int_scored_fit_sample")),
        as_pandas(dbt.ref("segment_model_registry")),
        config,
        log=dbt_log,
    )

"""The Python steps of a build, called alike by the dbt Python models and the Spark command.

Frames in, frames out; no dbt and no session here. The three steps:

- `fit_or_reuse`: fit the segment model on the SQL-drawn samples (`FitInputs`) with the segment
  model config (`parse_model_config`), or keep the registered one; returns the registry rows to
  append;
- `explain_segments`: the decision-tree rules of the scored fit sample (`ExplainConfig`);
- `name_segments_for_build`: the segments' names and descriptions.

The selection and lineage tables are views of the registry (`customer_segments.model.registry`).
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from customer_segments.explain.naming import build_profile, load_vocabulary, name_segments
from customer_segments.explain.rules import RULE_COLUMNS, extract_rules
from customer_segments.features import catalogue
from customer_segments.model.registry import REGISTRY_COLUMNS, latest_model, registry_frame
from customer_segments.model.segment_model import fit_segment_model


@dataclass(frozen=True)
class FitInputs:
    """What the fit reads: the samples the SQL drew and the registry so far (None before any).

    `outcome_sample` and `validation_sample` (past customer-dates with their next-days outcomes)
    let the fit learn and validate the outcome space; without them it fits the feature space.
    """

    sample: pd.DataFrame
    registry: pd.DataFrame | None = None
    outcome_sample: pd.DataFrame | None = None
    validation_sample: pd.DataFrame | None = None


@dataclass(frozen=True)
class ExplainConfig:
    """The explainer's settings: tree depth, smallest leaf (share of the sample), random seed."""

    max_depth: int
    min_leaf_share: float
    seed: int

    @classmethod
    def from_config(cls, config: Mapping) -> "ExplainConfig":
        """Read the vars rule_max_depth, rule_min_leaf_share and seed from a model's config."""
        return cls(
            max_depth=int(config.get("rule_max_depth")),
            min_leaf_share=float(config.get("rule_min_leaf_share")),
            seed=int(config.get("seed")),
        )


def parse_model_config(text: str | dict) -> dict:
    """Parse the segment-model config that dbt passes as JSON text (rendered from vars)."""
    config = json.loads(text) if isinstance(text, str) else dict(text)
    config["refit"] = _as_bool(config.get("refit", True))
    int_keys = ("k_min", "k_max", "n_init", "seed", "fit_sample_size", "min_fit_customers")
    for key in (*int_keys, "screen_sample_size", "refine_top"):
        if key in config:
            config[key] = int(config[key])
    for key in ("min_segment_share", "match_threshold", "k_tolerance"):
        if key in config:
            config[key] = float(config[key])
    if "segment_space" in config:
        config["segment_space"] = str(config["segment_space"]).strip().lower()
    return config


def _as_bool(value: object) -> bool:
    """Read a boolean var that may arrive as text ('true', 'False', '0')."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def empty_registry() -> pd.DataFrame:
    """Return a registry frame with no rows and the registry's column types."""
    frame = pd.DataFrame({column: pd.Series(dtype="string") for column in REGISTRY_COLUMNS})
    return frame.astype(
        {
            "mean_top_probability": "float64",
            "registered_at": "datetime64[us]",
            "fitted_at": "datetime64[us]",
            "n_segments": "int64",
            "sample_size": "int64",
        }
    )


def fit_or_reuse(
    inputs: FitInputs, config: dict, log: Callable[[str], None] = print
) -> pd.DataFrame:
    """Return the registry rows to append: the new model, or none when nothing new was fitted.

    `config` is the segment-model config (`parse_model_config`).
    """
    sample, registry = inputs.sample, inputs.registry
    previous = latest_model(registry) if registry is not None else None
    if not config["refit"]:
        if previous is None:
            raise ValueError(
                "refit is false but the segment_model_registry holds no model yet: "
                "run once with refit: true (the default) to fit and register one"
            )
        log(f"segment fit: refit is false, scoring with registered model {previous.model_version}")
        return empty_registry()
    log(f"segment fit: {len(sample)} customers in the fit sample")
    minimum = int(config.get("min_fit_customers", 1))
    if len(sample) < minimum:
        raise ValueError(
            f"segment fit needs at least {minimum} customers (var min_fit_customers), "
            f"the fit sample int_fit_sample has {len(sample)}: too few customers with a valid "
            "order on or before the as-of date; see data_quality_issues for excluded rows"
        )
    model = fit_segment_model(
        sample,
        config,
        previous=previous,
        log=log,
        outcome_sample=inputs.outcome_sample,
        validation_sample=inputs.validation_sample,
    )
    if previous is not None and model.model_version == previous.model_version:
        log(f"segment fit: model {model.model_version} is already the latest registered; kept")
        return empty_registry()
    return registry_frame(model, sample=sample)


# The fitted rules table: the explainer's columns between the model version and its fidelity.
FITTED_RULE_COLUMNS = ["model_version", *RULE_COLUMNS, "tree_fidelity"]


def explain_segments(
    sample: pd.DataFrame,
    registry: pd.DataFrame,
    config: ExplainConfig,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Fit the decision-tree explainer on the scored fit sample; one row per rule (leaf)."""
    max_depth = config.max_depth
    model = latest_model(registry)
    if model is None:
        raise ValueError("segment_model_registry holds no model: nothing to explain")
    features = list(model.prep["features"])
    fill_values = dict(zip(features, model.prep["fill_value"], strict=True))
    ruleset = extract_rules(
        sample,
        sample["top_segment_id"],
        features,
        fill_values,
        max_depth=max_depth,
        min_leaf_share=config.min_leaf_share,
        seed=config.seed,
    )
    log(
        f"segment rules: {len(ruleset.rules)} rules at depth {max_depth} on {len(sample)} "
        f"customers, fidelity {ruleset.fidelity:.3f}"
    )
    rules = ruleset.rules.copy()
    rules["model_version"] = model.model_version
    rules["tree_fidelity"] = float(ruleset.fidelity)
    rules = rules[FITTED_RULE_COLUMNS].astype(
        {
            "model_version": "string",
            "rule_id": "string",
            "segment_id": "int64",
            "rule_text": "string",
            "rule_sql": "string",
            "n_customers": "int64",
            "depth": "int64",
        }
    )
    return rules.sort_values("rule_id", ignore_index=True)


def name_segments_for_build(
    sample: pd.DataFrame,
    previous_names: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    vocabulary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Name every segment of the scored fit sample, keeping names already given to its ids.

    The sample carries each customer's lifecycle_stage and the thresholds (active_days,
    lapsed_days) the vocabulary's claims are measured against.
    """
    # Names and descriptions compare segment to population as ratios; a signed measure centred
    # near zero (activity_trend, -1..1) gives meaningless ratios, so it is left out here.
    features = [
        feature
        for feature, entry in catalogue().items()
        if not entry.is_signed and feature in sample.columns and sample[feature].notna().any()
    ]
    stages = sample["lifecycle_stage"] if "lifecycle_stage" in sample.columns else None
    profile = build_profile(sample, sample["top_segment_id"], features, stages=stages)
    thresholds = {}
    for column, default in (("active_days", 90.0), ("lapsed_days", 365.0)):
        values = sample[column].dropna() if column in sample.columns else pd.Series(dtype=float)
        thresholds[column] = float(values.iloc[0]) if len(values) else default
    names = name_segments(
        profile,
        previous_names=previous_names,
        overrides=overrides,
        vocabulary=load_vocabulary(vocabulary),
        **thresholds,
    )
    return names.astype(
        {
            "segment_id": "int64",
            "segment_name": "string",
            "segment_description": "string",
            "name_source": "string",
        }
    ).sort_values("segment_id", ignore_index=True)

"""Rows of the model registry and the tables derived from it (selection, lineage)."""

import json
from datetime import UTC, datetime

import pandas as pd

from customer_segments.model.drift import feature_reference
from customer_segments.model.scoring import scoring_spec
from customer_segments.model.segment_model import SegmentModel
from customer_segments.model.selection import CANDIDATE_COLUMNS

REGISTRY_COLUMNS = [
    "model_version",
    "registered_at",
    "fitted_at",
    "previous_model_version",
    "n_segments",
    "covariance_type",
    "features_json",
    "sample_size",
    "config_json",
    "model_json",
    "scoring_json",
    "feature_reference_json",
    "mean_top_probability",
]

SELECTION_COLUMNS = [
    "model_version",
    "segment_space",
    *(column for column in CANDIDATE_COLUMNS if column != "chosen"),
    "is_chosen",
]

LINEAGE_COLUMNS = [
    "model_version",
    "previous_model_version",
    "segment_id",
    "event",
    "related_segment_id",
    "distance",
]


def registry_frame(
    model: SegmentModel,
    registered_at: datetime | None = None,
    sample: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the one registry row of a fitted model (drift references from its fit sample)."""
    reference, mean_top = None, None
    if sample is not None and len(sample):
        reference = json.dumps(
            feature_reference(sample, model.prep["features"], model.prep["fill_value"])
        )
        mean_top = float(model.score_frame(sample).max(axis=1).mean())
    registered = registered_at or datetime.now(UTC).replace(tzinfo=None)
    row = {
        "model_version": model.model_version,
        "registered_at": pd.Timestamp(registered),
        "fitted_at": pd.Timestamp(model.fitted_at).tz_localize(None),
        "previous_model_version": model.previous_model_version,
        "n_segments": len(model.segment_ids),
        "covariance_type": model.covariance_type,
        "features_json": json.dumps(model.prep["features"]),
        "sample_size": int(model.sample_size),
        "config_json": json.dumps(model.config, sort_keys=True),
        "model_json": model.to_json(),
        "scoring_json": json.dumps(scoring_spec(model)),
        "feature_reference_json": reference,
        "mean_top_probability": mean_top,
    }
    frame = pd.DataFrame([row], columns=REGISTRY_COLUMNS)
    text_columns = {column: "string" for column in REGISTRY_COLUMNS if isinstance(row[column], str)}
    return frame.astype(
        {
            **text_columns,
            "previous_model_version": "string",
            "n_segments": "int64",
            "sample_size": "int64",
        }
    )


def latest_model(registry: pd.DataFrame) -> SegmentModel | None:
    """Return the most recently registered model of a registry frame (None when empty)."""
    if registry.empty:
        return None
    latest = registry.sort_values(["registered_at", "model_version"]).iloc[-1]
    return SegmentModel.from_json(latest["model_json"])


def _models(registry: pd.DataFrame) -> list[SegmentModel]:
    """Return every registered model, oldest first, once per version."""
    ordered = registry.sort_values(["registered_at", "model_version"])
    ordered = ordered.drop_duplicates("model_version", keep="first")
    return [SegmentModel.from_json(text) for text in ordered["model_json"]]


def selection_frame(registry: pd.DataFrame) -> pd.DataFrame:
    """Return one row per candidate model evaluated for each registered version and space."""
    rows = []
    for model in _models(registry):
        for candidate in model.selection:
            row = {key: candidate.get(key) for key in SELECTION_COLUMNS}
            row["segment_space"] = candidate.get("space") or "features"
            row["is_chosen"] = bool(candidate.get("chosen", False))
            row["model_version"] = model.model_version
            rows.append(row)
    frame = pd.DataFrame(rows, columns=SELECTION_COLUMNS)
    return frame.astype(
        {
            "k": "int64",
            "bic": "float64",
            "aic": "float64",
            "log_likelihood": "float64",
            "silhouette": "float64",
            "converged": "bool",
            "n_iter": "Int64",
            "smallest_share": "float64",
            "reg_covar": "float64",
            "rejected_reason": "string",
            "screening_bic": "float64",
            "segment_space": "string",
            "is_chosen": "bool",
        }
    ).sort_values(["model_version", "segment_space", "k", "covariance_type"], ignore_index=True)


def lineage_frame(registry: pd.DataFrame) -> pd.DataFrame:
    """Return one row per segment event (carried over, new, split, retired, merged) per refit."""
    rows = []
    for model in _models(registry):
        for event in model.lineage:
            rows.append(
                {
                    "model_version": model.model_version,
                    "previous_model_version": model.previous_model_version,
                    "segment_id": event["segment_id"],
                    "event": event["event"],
                    "related_segment_id": event.get("related_segment_id"),
                    "distance": event.get("distance"),
                }
            )
    frame = pd.DataFrame(rows, columns=LINEAGE_COLUMNS)
    return frame.astype(
        {
            "previous_model_version": "string",
            "segment_id": "int64",
            "related_segment_id": "Int64",
            "distance": "float64",
        }
    ).sort_values(["model_version", "segment_id", "event"], ignore_index=True)

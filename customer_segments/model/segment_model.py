"""The fitted segment model as plain data: JSON, a content-hash version, numpy scoring."""

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture

from customer_segments.model.matching import assign_segment_ids, means_in_space
from customer_segments.model.preprocess import fit_preprocessor, transform
from customer_segments.model.selection import MAX_ITER, fit_candidates

REQUIRED_CONFIG_KEYS = (
    "features",
    "k_min",
    "k_max",
    "covariance_types",
    "n_init",
    "seed",
    "min_segment_share",
    "clip_quantiles",
    "match_threshold",
    "min_fit_customers",
)
VERSION_FIELDS = (
    "features",
    "prep",
    "covariance_type",
    "weights",
    "means",
    "precisions_cholesky",
    "segment_ids",
)
VERSION_SIGNIFICANT_DIGITS = 10


def to_plain(value: Any) -> Any:
    """Convert numpy/pandas values to JSON-native Python (NaN, inf and NA become None)."""
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value


def _rounded(value: Any) -> Any:
    """Round every float to VERSION_SIGNIFICANT_DIGITS significant digits (and -0.0 to 0.0)."""
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, float):
        return float(f"{value:.{VERSION_SIGNIFICANT_DIGITS}g}") + 0.0
    return value


def compute_model_version(content: dict) -> str:
    """Return "gmm-" + 12 hex of the sha256 of the canonical, rounded JSON of VERSION_FIELDS."""
    payload = _rounded(to_plain({field: content[field] for field in VERSION_FIELDS}))
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "gmm-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass
class SegmentModel:
    """A fitted Gaussian mixture over standardized features, with ids, selection and lineage."""

    model_version: str
    fitted_at: str
    features: list[str]
    prep: dict
    covariance_type: str
    weights: list[float]
    means: list[list[float]]
    precisions_cholesky: list
    segment_ids: list[int]
    sample_size: int
    config: dict
    selection: list[dict]
    lineage: list[dict]
    previous_model_version: str | None
    next_segment_id: int

    def to_json(self, indent: int | None = None) -> str:
        """Serialise to JSON; floats are written as repr, so the round trip is exact."""
        return json.dumps(to_plain(asdict(self)), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "SegmentModel":
        """Rebuild a model from `to_json` output."""
        return cls(**json.loads(text))

    def expected_version(self) -> str:
        """Recompute the content-hash version from the stored numbers."""
        return compute_model_version(asdict(self))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return weights (K), means (K x d) and precision Cholesky factors as float64 arrays."""
        return (
            np.asarray(self.weights, dtype="float64"),
            np.asarray(self.means, dtype="float64"),
            np.asarray(self.precisions_cholesky, dtype="float64"),
        )

    def _chosen_candidate(self) -> dict:
        """Return the selection row of the chosen candidate (empty dict if none is marked)."""
        return next((row for row in self.selection if row.get("chosen")), {})

    def to_sklearn(self) -> GaussianMixture:
        """Return a fitted-state GaussianMixture built from the stored numbers only."""
        weights, means, precisions_chol = self.arrays()
        chosen = self._chosen_candidate()
        mixture = GaussianMixture(
            n_components=len(weights),
            covariance_type=self.covariance_type,
            n_init=int(self.config.get("n_init", 1)),
            random_state=self.config.get("seed"),
            reg_covar=float(chosen.get("reg_covar") or 1e-6),
            max_iter=MAX_ITER,
        )
        if self.covariance_type == "full":
            precisions = precisions_chol @ np.transpose(precisions_chol, (0, 2, 1))
            inverse_chol = np.linalg.inv(precisions_chol)
            covariances = np.transpose(inverse_chol, (0, 2, 1)) @ inverse_chol
        elif self.covariance_type == "diag":
            precisions = precisions_chol**2
            covariances = 1.0 / precisions
        else:
            raise ValueError(f"unsupported covariance_type {self.covariance_type!r}")
        mixture.weights_ = weights
        mixture.means_ = means
        mixture.precisions_cholesky_ = precisions_chol
        mixture.precisions_ = precisions
        mixture.covariances_ = covariances
        mixture.converged_ = bool(chosen.get("converged", True))
        mixture.n_iter_ = int(chosen.get("n_iter") or 0)
        mixture.n_features_in_ = means.shape[1]
        ll = chosen.get("log_likelihood")
        mixture.lower_bound_ = ll / self.sample_size if ll is not None else -np.inf
        mixture.lower_bounds_ = []
        return mixture

    def log_weighted_density(self, X: np.ndarray) -> np.ndarray:
        """Return log(weight_k) + log N(x | mean_k, precision_k) per row and component."""
        weights, means, precisions_chol = self.arrays()
        n_dims = means.shape[1]
        if self.covariance_type == "full":
            log_det = np.log(np.diagonal(precisions_chol, axis1=1, axis2=2)).sum(axis=1)
            squared = np.empty((X.shape[0], len(weights)))
            for k in range(len(weights)):
                projected = (X - means[k]) @ precisions_chol[k]
                squared[:, k] = np.square(projected).sum(axis=1)
        elif self.covariance_type == "diag":
            log_det = np.log(precisions_chol).sum(axis=1)
            projected = (X[:, None, :] - means[None, :, :]) * precisions_chol[None, :, :]
            squared = np.square(projected).sum(axis=2)
        else:
            raise ValueError(f"unsupported covariance_type {self.covariance_type!r}")
        return -0.5 * (n_dims * np.log(2 * np.pi) + squared) + log_det + np.log(weights)

    def score_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return posterior probabilities, one column per segment_id (ascending), frame's index."""
        weighted = self.log_weighted_density(transform(frame, self.prep))
        top = weighted.max(axis=1, keepdims=True)
        log_norm = top + np.log(np.exp(weighted - top).sum(axis=1, keepdims=True))
        posterior = np.exp(weighted - log_norm)
        scores = pd.DataFrame(posterior, index=frame.index, columns=list(self.segment_ids))
        return scores[sorted(self.segment_ids)]


def _check_config(config: dict) -> None:
    """Raise ValueError naming the missing or invalid segment-model config keys."""
    missing = [key for key in REQUIRED_CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"segment model config is missing keys: {', '.join(missing)}")
    if not 1 <= int(config["k_min"]) <= int(config["k_max"]):
        raise ValueError(
            f"segment model config needs 1 <= k_min <= k_max, got k_min={config['k_min']} "
            f"k_max={config['k_max']}"
        )
    if not config["features"]:
        raise ValueError("segment model config lists no features")


def _next_segment_id(previous: "SegmentModel") -> int:
    """Return the smallest id never used by the previous model or its lineage."""
    used = [*previous.segment_ids, *(row["segment_id"] for row in previous.lineage)]
    return max(int(previous.next_segment_id), max(used, default=0) + 1)


def fit_segment_model(
    sample: pd.DataFrame,
    config: dict,
    previous: SegmentModel | None = None,
    log: Callable[[str], None] = print,
    fitted_at: str | None = None,
) -> SegmentModel:
    """Fit preprocessing and a BIC-chosen mixture on a customer sample; keep ids of `previous`."""
    _check_config(config)
    if "customer_id" not in sample.columns:
        raise ValueError("the segment fit sample has no customer_id column")
    duplicated = sample["customer_id"][sample["customer_id"].duplicated()]
    if not duplicated.empty:
        raise ValueError(
            f"the segment fit sample has duplicate customer_id values, e.g. "
            f"{duplicated.head(3).tolist()}"
        )
    needed = int(config["min_fit_customers"])
    if len(sample) < needed:
        raise ValueError(
            f"segment fit needs at least {needed} customers, the fit sample has {len(sample)}"
        )
    ordered = sample.sort_values("customer_id", kind="mergesort").reset_index(drop=True)

    prep = fit_preprocessor(ordered, list(config["features"]), tuple(config["clip_quantiles"]))
    for name, reason in prep["dropped_features"].items():
        log(f"segment fit: feature {name} dropped ({reason})")
    X = transform(ordered, prep)
    selection = fit_candidates(
        X,
        list(range(int(config["k_min"]), int(config["k_max"]) + 1)),
        list(config["covariance_types"]),
        n_init=int(config["n_init"]),
        seed=int(config["seed"]),
        min_share=float(config["min_segment_share"]),
        n_jobs=int(config.get("n_jobs", 2)),
        log=log,
        screen_size=config.get("screen_sample_size"),
        refine_top=int(config.get("refine_top", 3)),
    )
    mixture = selection.model

    if previous is None:
        previous_segments, comparable, next_id = None, mixture.means_, 1
    else:
        mapped, positions = means_in_space(np.asarray(previous.means), previous.prep, prep)
        previous_segments = [
            {"segment_id": segment_id, "mean": row}
            for segment_id, row in zip(previous.segment_ids, mapped.tolist(), strict=True)
        ]
        comparable = mixture.means_[:, positions]
        next_id = _next_segment_id(previous)
    segment_ids, lineage = assign_segment_ids(
        comparable,
        mixture.weights_,
        previous_segments,
        float(config["match_threshold"]),
        next_id,
    )
    content = to_plain(
        {
            "features": prep["features"],
            "prep": prep,
            "covariance_type": mixture.covariance_type,
            "weights": mixture.weights_,
            "means": mixture.means_,
            "precisions_cholesky": mixture.precisions_cholesky_,
            "segment_ids": segment_ids,
        }
    )
    model = SegmentModel(
        model_version=compute_model_version(content),
        fitted_at=fitted_at or datetime.now(UTC).isoformat(timespec="seconds"),
        **content,
        sample_size=len(ordered),
        config=to_plain(dict(config)),
        selection=to_plain(selection.candidates.to_dict(orient="records")),
        lineage=lineage,
        previous_model_version=None if previous is None else previous.model_version,
        next_segment_id=max([next_id - 1, *segment_ids]) + 1,
    )
    events = ", ".join(f"{row['segment_id']} {row['event']}" for row in lineage)
    log(f"segment fit: model {model.model_version}, segments {segment_ids}; lineage: {events}")
    return model

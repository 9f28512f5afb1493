"""The fitted segment model as plain data: JSON, a content-hash version, numpy scoring.

The mixture lives in one of two spaces. In the **feature space** its dimensions are the
standardized features. In the **outcome space** (see `customer_segments.model.outcomes`) the
standardized features are first mapped, by a stored linear embedding, to two coordinates learned
from past as-of dates: what customers with those features went on to spend and whether they bought
again. `segment_space: auto` fits both and keeps the outcome space unless the feature space's
segments separate those outcomes clearly better on the validation dates, which were not used to
learn the embedding (a refit keeps the previous model's space unless the other is clearly better).
"""

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

from customer_segments.features import catalogue
from customer_segments.model.matching import assign_segment_ids, means_in_space
from customer_segments.model.outcomes import (
    BASELINE_FEATURES,
    embed,
    fit_embedding,
    fit_kmeans_baseline,
    outcome_targets,
    validation_figures,
)
from customer_segments.model.preprocess import fit_preprocessor, transform
from customer_segments.model.selection import DEFAULT_K_TOLERANCE, MAX_ITER, fit_candidates

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
SPACES = ("auto", "features", "outcomes")
OUTCOME_MIXTURE_ROWS = 50_000
OUTCOME_N_INIT = 5
OUTCOME_EM_SEED = 0
SPACE_MARGIN = 0.02  # mean eta squared the other space must gain to replace the incumbent


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
    """Return "gmm-" + 12 hex of the sha256 of the canonical, rounded JSON of VERSION_FIELDS.

    An outcome-space model's embedding is part of the hash; a feature-space model hashes exactly
    the fields it always did, so its version does not change.
    """
    fields = {field: content[field] for field in VERSION_FIELDS}
    if content.get("embedding") is not None:
        fields["embedding"] = content["embedding"]
    payload = _rounded(to_plain(fields))
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
    space: str = "features"
    embedding: dict | None = None
    feature_means: list | None = None
    baseline: dict | None = None
    validation: dict | None = None

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

    def mixture_input(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a frame's rows in the mixture's space: standardized features, then embedded."""
        return embed(transform(frame, self.prep), self.embedding)

    def component_feature_means(self) -> np.ndarray:
        """Return each component's mean in the standardized feature space (K x features)."""
        if self.feature_means is not None:
            return np.asarray(self.feature_means, dtype="float64")
        return np.asarray(self.means, dtype="float64")

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
        weighted = self.log_weighted_density(self.mixture_input(frame))
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
    known = catalogue()
    unknown = [feature for feature in config["features"] if feature not in known]
    if unknown:
        raise ValueError(
            f"segment_features names {', '.join(map(repr, unknown))}, not in the feature catalogue "
            f"(columns of feat_customer_features with meta.feature); known: {', '.join(known)}"
        )


def _next_segment_id(previous: "SegmentModel") -> int:
    """Return the smallest id never used by the previous model or its lineage."""
    used = [*previous.segment_ids, *(row["segment_id"] for row in previous.lineage)]
    return max(int(previous.next_segment_id), max(used, default=0) + 1)


@dataclass
class _SpaceFit:
    """One space's fit: preprocessing, embedding, candidates, mixture and the rows it saw."""

    space: str
    prep: dict
    embedding: dict | None
    rows: pd.DataFrame
    Z: np.ndarray
    selection: Any
    validation: dict | None = None

    @property
    def mixture(self) -> GaussianMixture:
        """The chosen mixture of this space."""
        return self.selection.model

    def mixture_input(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a frame's rows in this space."""
        return embed(transform(frame, self.prep), self.embedding)

    def feature_means(self) -> np.ndarray:
        """Return each component's mean in standardized feature space (K x features)."""
        if self.embedding is None:
            return np.asarray(self.mixture.means_, dtype="float64")
        responsibilities = self.mixture.predict_proba(embed(self.Z, self.embedding))
        totals = responsibilities.sum(axis=0)
        return (responsibilities.T @ self.Z) / np.maximum(totals, 1e-300)[:, None]


def _ordered(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Return a sample sorted by its keys, refusing duplicate keys."""
    keys = ["customer_id"] + (["as_of_date"] if "as_of_date" in frame.columns else [])
    if "customer_id" not in frame.columns:
        raise ValueError(f"the {what} has no customer_id column")
    duplicated = frame[frame.duplicated(keys)]
    if not duplicated.empty:
        raise ValueError(
            f"the {what} has duplicate {' and '.join(keys)} values, e.g. "
            f"{duplicated[keys].head(3).to_dict(orient='records')}"
        )
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _fit_space(
    space: str, rows: pd.DataFrame, config: dict, log: Callable[[str], None]
) -> _SpaceFit:
    """Fit preprocessing, (for the outcome space) the embedding, and the candidate mixtures."""
    prep = fit_preprocessor(rows, list(config["features"]), tuple(config["clip_quantiles"]))
    for name, reason in prep["dropped_features"].items():
        log(f"segment fit ({space} space): feature {name} dropped ({reason})")
    Z = transform(rows, prep)
    embedding = None
    X = Z
    search = {
        "covariance_types": list(config["covariance_types"]),
        "n_init": int(config["n_init"]),
        "screen_size": config.get("screen_sample_size"),
        "seed": int(config["seed"]),
    }
    if space == "outcomes":
        embedding = fit_embedding(Z, outcome_targets(rows))
        fits = ", ".join(
            f"{target} r2={r2:.3f}"
            for target, r2 in zip(embedding["targets"], embedding["r_squared"], strict=True)
        )
        log(f"segment fit (outcome space): {len(rows)} past customer-dates; embedding {fits}")
        # Two dimensions: a full covariance is three numbers, and a mixture of at most k_max of
        # them is well determined by OUTCOME_MIXTURE_ROWS rows (the lowest sample keys). Every k
        # is fitted from OUTCOME_N_INIT starts (no screening) with fixed random starts: nothing
        # here depends on `seed`, so a refit with another seed cannot change k or the segments.
        X = embed(Z, embedding)
        if len(X) > OUTCOME_MIXTURE_ROWS:
            keys = rows["sample_key"].astype(str) if "sample_key" in rows.columns else None
            order = np.argsort(keys.to_numpy(), kind="stable") if keys is not None else None
            keep = (
                order[:OUTCOME_MIXTURE_ROWS]
                if order is not None
                else np.arange(OUTCOME_MIXTURE_ROWS)
            )
            X = X[np.sort(keep)]
        search = {
            "covariance_types": ["full"],
            "n_init": max(int(config["n_init"]), OUTCOME_N_INIT),
            "screen_size": None,
            "seed": OUTCOME_EM_SEED,
        }
    selection = fit_candidates(
        X,
        list(range(int(config["k_min"]), int(config["k_max"]) + 1)),
        search["covariance_types"],
        n_init=search["n_init"],
        seed=search["seed"],
        min_share=float(config["min_segment_share"]),
        n_jobs=int(config.get("n_jobs", 2)),
        log=lambda message: log(message.replace("segment fit:", f"segment fit ({space} space):")),
        screen_size=search["screen_size"],
        refine_top=int(config.get("refine_top", 3)),
        k_tolerance=float(config.get("k_tolerance", DEFAULT_K_TOLERANCE)),
    )
    return _SpaceFit(space, prep, embedding, rows, Z, selection)


def _validate(fit: _SpaceFit, validation_sample: pd.DataFrame) -> dict:
    """Return the validation figures of a space's segments on the validation sample."""
    labels = fit.mixture.predict(fit.mixture_input(validation_sample))
    return validation_figures(validation_sample, labels)


def _figures_text(figures: dict) -> str:
    """Format validation figures for the log."""
    return ", ".join(f"{name} eta2={value:.3f}" for name, value in figures.items())


def _choose_space(
    fits: list[_SpaceFit], previous: SegmentModel | None, log: Callable[[str], None]
) -> _SpaceFit:
    """Return the space whose segments separate next-90-day outcomes better, with a margin.

    The incumbent is the previous model's space (the outcome space for a first fit); the other
    space takes over only when the mean of its two validation figures is higher by more than
    SPACE_MARGIN, so near ties (e.g. planted groups, where the feature space predicts as well)
    never flip a refit from one kind of segments to the other.
    """
    by_space = {fit.space: fit for fit in fits}
    incumbent = previous.space if previous is not None and previous.space in by_space else None
    incumbent = incumbent or "outcomes"
    challenger = next(space for space in by_space if space != incumbent)

    def score(space: str) -> float:
        return float(np.mean(list(by_space[space].validation.values())))

    winner = challenger if score(challenger) > score(incumbent) + SPACE_MARGIN else incumbent
    other = challenger if winner == incumbent else incumbent
    log(
        f"segment fit: mean eta2 {score(winner):.3f} in the {winner} space against "
        f"{score(other):.3f}; the {winner} space is used (the {incumbent} space unless the "
        f"other is better by more than {SPACE_MARGIN})"
    )
    return by_space[winner]


def fit_segment_model(
    sample: pd.DataFrame,
    config: dict,
    previous: SegmentModel | None = None,
    log: Callable[[str], None] = print,
    fitted_at: str | None = None,
    outcome_sample: pd.DataFrame | None = None,
    validation_sample: pd.DataFrame | None = None,
) -> SegmentModel:
    """Fit preprocessing and a BIC-chosen mixture on a customer sample; keep ids of `previous`.

    `sample` holds the customers at the build's as-of date (the feature space is fitted there);
    `outcome_sample` past customer-dates with their next-days outcomes (the outcome space is
    fitted there) and `validation_sample` later past customer-dates, held out from the outcome
    fit, on which `segment_space: auto` compares the two.
    """
    _check_config(config)
    needed = int(config["min_fit_customers"])
    if len(sample) < needed:
        raise ValueError(
            f"segment fit needs at least {needed} customers, the fit sample has {len(sample)}"
        )
    ordered = _ordered(sample, "segment fit sample")
    space = str(config.get("segment_space", "auto"))
    if space not in SPACES:
        raise ValueError(f"segment_space must be one of {', '.join(SPACES)}, got {space!r}")

    have_outcomes = (
        outcome_sample is not None
        and len(outcome_sample) >= needed
        and validation_sample is not None
        and len(validation_sample) > 0
    )
    if space == "outcomes" and not have_outcomes:
        raise ValueError(
            "segment_space is 'outcomes' but the history holds no past as-of dates with observed "
            f"outcomes to learn from and to validate on (outcome sample: "
            f"{0 if outcome_sample is None else len(outcome_sample)} rows, validation sample: "
            f"{0 if validation_sample is None else len(validation_sample)} rows): raise "
            "history_months (at least 8 with the default outcome_days and validation_months) "
            "or set segment_space to 'features'"
        )
    if space == "auto" and not have_outcomes:
        log(
            "segment fit: no past as-of dates with observed outcomes (needs history_months of at "
            "least 8 with the defaults): segments are fitted in the feature space"
        )
    fits: list[_SpaceFit] = []
    if space in ("auto", "features"):
        fits.append(_fit_space("features", ordered, config, log))
    if space in ("auto", "outcomes") and have_outcomes:
        fits.append(_fit_space("outcomes", _ordered(outcome_sample, "outcome sample"), config, log))
    if have_outcomes:
        held_out = _ordered(validation_sample, "validation sample")
        for fit in fits:
            fit.validation = _validate(fit, held_out)
            log(
                f"segment fit ({fit.space} space): k={fit.mixture.n_components} on "
                f"{len(held_out)} held-out customer-dates: {_figures_text(fit.validation)}"
            )
    chosen = fits[0]
    if len(fits) > 1:
        chosen = _choose_space(fits, previous, log)
    mixture = chosen.mixture
    prep = chosen.prep
    feature_means = chosen.feature_means()

    if previous is None:
        previous_segments, comparable, next_id = None, feature_means, 1
    else:
        mapped, positions = means_in_space(previous.component_feature_means(), previous.prep, prep)
        previous_segments = [
            {"segment_id": segment_id, "mean": row}
            for segment_id, row in zip(previous.segment_ids, mapped.tolist(), strict=True)
        ]
        comparable = feature_means[:, positions]
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
            "embedding": chosen.embedding,
        }
    )
    baseline = (
        None  # the validation's k-means baseline, where the frame has recency/frequency/spend
    )
    if set(BASELINE_FEATURES) <= set(chosen.rows.columns):
        baseline = fit_kmeans_baseline(chosen.rows, mixture.n_components, int(config["seed"]))
    candidates = []
    for fit in fits:
        for row in fit.selection.candidates.to_dict(orient="records"):
            candidates.append(
                {**row, "space": fit.space, "chosen": bool(row["chosen"]) and fit is chosen}
            )
    validation = None
    if have_outcomes:
        validation = {
            "sample_size": len(validation_sample),
            "spaces": {fit.space: fit.validation for fit in fits},
            "chosen_space": chosen.space,
        }
    model = SegmentModel(
        model_version=compute_model_version(content),
        fitted_at=fitted_at or datetime.now(UTC).isoformat(timespec="seconds"),
        **{key: value for key, value in content.items() if key != "embedding"},
        sample_size=len(chosen.rows),
        config=to_plain(dict(config)),
        selection=to_plain(candidates),
        lineage=lineage,
        previous_model_version=None if previous is None else previous.model_version,
        next_segment_id=max([next_id - 1, *segment_ids]) + 1,
        space=chosen.space,
        embedding=content["embedding"],
        feature_means=to_plain(feature_means),
        baseline=to_plain(baseline),
        validation=to_plain(validation),
    )
    events = ", ".join(f"{row['segment_id']} {row['event']}" for row in lineage)
    log(
        f"segment fit: model {model.model_version} ({model.space} space), segments "
        f"{segment_ids}; lineage: {events}"
    )
    return model

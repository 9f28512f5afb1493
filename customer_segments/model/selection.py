"""Choose the number of segments and the covariance type of a Gaussian mixture by BIC.

The candidate with the lowest BIC is not taken blindly: the chosen one is the smallest k (then the
first covariance type listed) whose BIC per customer is within `k_tolerance` of the lowest. A
segment must improve the fit by more than that to be added, so sampling and EM starts (the `seed`)
cannot add one: on realistic data the BIC of neighbouring k differs by less than 0.005 per
customer from one seed to the next, while a real group gains far more.
"""

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture

REG_COVAR_STEPS = (1e-6, 1e-4, 1e-3)
MAX_ITER = 300
# A component covariance whose largest/smallest eigenvalue ratio exceeds this has a collapsed
# direction held up only by reg_covar (e.g. a feature constant within the component): refit
# with a larger reg_covar so densities are not dominated by near-zero variances.
MAX_CONDITION_NUMBER = 1e5
COVARIANCE_TYPES = ("full", "diag")
# Candidates are fitted in threads, not worker processes: EM spends its time in NumPy, which
# releases the GIL, and threads share the sample instead of each worker holding a copy of it and
# of scikit-learn (about 300 MB per worker process at 200,000 customers).
CANDIDATE_COLUMNS = [
    "k",
    "covariance_type",
    "bic",
    "aic",
    "log_likelihood",
    "silhouette",
    "converged",
    "n_iter",
    "smallest_share",
    "reg_covar",
    "rejected_reason",
    "screening_bic",
    "chosen",
]
SCREENED_OUT = "screened out"
DEFAULT_K_TOLERANCE = 0.01


@dataclass
class SelectionResult:
    """The candidates table (one row per k and covariance type) and the chosen fitted model."""

    candidates: pd.DataFrame
    model: GaussianMixture


def condition_number(model: GaussianMixture) -> float:
    """Return the largest eigenvalue ratio over the component covariances (inf if singular)."""
    covariances = np.asarray(model.covariances_)
    if model.covariance_type == "full":
        eigenvalues = np.linalg.eigvalsh(covariances)
    elif model.covariance_type == "diag":
        eigenvalues = covariances
    else:
        raise ValueError(f"unsupported covariance_type {model.covariance_type!r}")
    smallest = eigenvalues.min(axis=1)
    if not np.isfinite(eigenvalues).all() or (smallest <= 0).any():
        return float("inf")
    return float((eigenvalues.max(axis=1) / smallest).max())


def _fit_gmm(
    X: np.ndarray,
    k: int,
    covariance_type: str,
    n_init: int,
    seed: int,
    start: GaussianMixture | None = None,
) -> tuple:
    """Fit one mixture, raising reg_covar along REG_COVAR_STEPS on failure or ill-conditioning.

    With `start` (a mixture of the same shape, e.g. the screening fit), EM runs once from its
    weights, means and precisions instead of from `n_init` k-means starts.
    """
    started = time.perf_counter()
    model, error = None, ""
    warm = {}
    if start is not None:
        warm = {
            "n_init": 1,
            "weights_init": start.weights_,
            "means_init": start.means_,
            "precisions_init": start.precisions_,
        }
    for reg_covar in REG_COVAR_STEPS:
        candidate = GaussianMixture(
            n_components=k,
            covariance_type=covariance_type,
            random_state=seed,
            reg_covar=reg_covar,
            max_iter=MAX_ITER,
            **{"n_init": n_init, **warm},
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                candidate.fit(X)
        except (ValueError, np.linalg.LinAlgError) as exc:
            error = str(exc).split(". ")[0]
            continue
        model, error = candidate, ""
        if condition_number(candidate) <= MAX_CONDITION_NUMBER:
            break
    return model, error, time.perf_counter() - started


def _describe(
    model: GaussianMixture, X: np.ndarray, subsample: np.ndarray, min_share: float
) -> dict:
    """Return the candidate-table metrics of one fitted mixture."""
    n_rows = X.shape[0]
    k = model.n_components
    labels = model.predict(X)
    counts = np.bincount(labels, minlength=k)
    smallest_share = float(counts.min() / n_rows)
    sub_labels = labels[subsample]
    n_labels = np.unique(sub_labels).size
    silhouette = np.nan
    if k > 1 and 2 <= n_labels <= subsample.size - 1:
        silhouette = float(silhouette_score(X[subsample], sub_labels))
    reasons = []
    if k > 1 and smallest_share < min_share:
        reasons.append(f"smallest segment {smallest_share:.1%} < {min_share:.1%}")
    if k > 1 and not model.converged_:
        reasons.append(f"did not converge in {MAX_ITER} iterations")
    return {
        "bic": float(model.bic(X)),
        "aic": float(model.aic(X)),
        "log_likelihood": float(model.score(X) * n_rows),
        "silhouette": silhouette,
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
        "smallest_share": smallest_share,
        "reg_covar": float(model.reg_covar),
        "rejected_reason": "; ".join(reasons) or None,
    }


def _unfitted(reason: str) -> dict:
    """Return the candidate-table metrics of a candidate that was skipped or failed."""
    return {
        "bic": np.nan,
        "aic": np.nan,
        "log_likelihood": np.nan,
        "silhouette": np.nan,
        "converged": False,
        "n_iter": 0,
        "smallest_share": np.nan,
        "reg_covar": np.nan,
        "rejected_reason": reason,
    }


def _screen(
    X: np.ndarray,
    keys: list[tuple[int, str]],
    screen_size: int,
    n_init: int,
    seed: int,
    min_share: float,
    n_jobs: int,
    log: Callable[[str], None],
) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], GaussianMixture]]:
    """Fit every candidate (n_init starts) on a random subsample of `screen_size` rows.

    Returns the BIC on the subsample of each candidate, and the fitted mixtures (the starts of
    the refinement). A candidate that fails, or whose smallest segment is under `min_share` of
    the subsample, gets an infinite BIC, so it is refined only when too few others are eligible.
    """
    started = time.perf_counter()
    rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=screen_size, replace=False))
    X_screen = X[rows]
    jobs = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
        delayed(_fit_gmm)(X_screen, k, cov, n_init, seed) for k, cov in keys
    )
    scores, models = {}, {}
    for (k, cov), (model, _, _) in zip(keys, jobs, strict=True):
        if model is None:
            scores[(k, cov)] = np.inf
            continue
        models[(k, cov)] = model
        shares = np.bincount(model.predict(X_screen), minlength=k) / screen_size
        too_small = k > 1 and shares.min() < min_share
        scores[(k, cov)] = np.inf if too_small else float(model.bic(X_screen))
    log(
        f"segment fit: screened {len(keys)} candidates on {screen_size} rows "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return scores, models


def _finite_or_nan(value: float) -> float:
    """Return value, or NaN for an infinite one (a screened candidate that was not eligible)."""
    return value if np.isfinite(value) else np.nan


def _best_screened(
    screening_bic: dict[tuple[int, str], float], refine_top: int
) -> set[tuple[int, str]]:
    """Return the k=1 baselines plus the `refine_top` candidates with k > 1 of lowest BIC."""
    baselines = {key for key in screening_bic if key[0] == 1}
    ranked = sorted(
        (key for key in screening_bic if key[0] > 1),
        key=lambda key: (screening_bic[key], key[0], key[1]),
    )
    return baselines | set(ranked[:refine_top])


def fit_candidates(
    X: np.ndarray,
    k_values: Sequence[int],
    covariance_types: Sequence[str],
    n_init: int,
    seed: int,
    min_share: float,
    silhouette_sample: int = 2000,
    n_jobs: int = 2,
    log: Callable[[str], None] = print,
    screen_size: int | None = None,
    refine_top: int = 3,
    k_tolerance: float = DEFAULT_K_TOLERANCE,
) -> SelectionResult:
    """Fit a mixture per (k, covariance type) plus a k=1 baseline; choose by BIC with parsimony.

    The chosen candidate is the eligible one of smallest k (then covariance order) whose BIC per
    row is within `k_tolerance` of the lowest eligible BIC per row (0 chooses the lowest BIC).

    With `screen_size` smaller than the number of rows, every candidate is first fitted (n_init
    starts) on a random `screen_size`-row subsample; only the `refine_top` best eligible
    candidates by that screening BIC, and the k=1 baselines, are then fitted on all rows, by EM
    started from their screening fit. The others keep their screening BIC and the reason
    "screened out".
    """
    X = np.asarray(X, dtype="float64")
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"X must be a 2-d array with at least 2 rows and 1 column, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X holds NaN or infinite values; preprocess it first")
    bad_types = [cov for cov in covariance_types if cov not in COVARIANCE_TYPES]
    if bad_types or not covariance_types:
        raise ValueError(f"covariance_types must be a non-empty subset of {COVARIANCE_TYPES}")
    bad_k = [k for k in k_values if int(k) != k or k < 1]
    if bad_k:
        raise ValueError(f"k values must be positive integers, got {bad_k}")

    n_rows = X.shape[0]
    n_distinct = int(np.unique(X, axis=0).shape[0])
    cov_order = list(dict.fromkeys(covariance_types))
    grid = [(k, cov) for k in sorted({1, *map(int, k_values)}) for cov in cov_order]
    to_fit = [(k, cov) for k, cov in grid if k <= n_distinct]
    rng = np.random.default_rng(seed)
    subsample = np.sort(rng.choice(n_rows, size=min(n_rows, silhouette_sample), replace=False))

    fitted: dict[tuple[int, str], GaussianMixture] = {}
    by_key: dict[tuple[int, str], dict] = {}
    for k, cov in grid:
        if k > n_distinct:
            reason = f"k={k} exceeds the {n_distinct} distinct rows"
            log(f"segment fit: k={k} covariance={cov} skipped: {reason}")
            by_key[(k, cov)] = _unfitted(reason)
    screening_bic: dict[tuple[int, str], float] = {}
    starts: dict[tuple[int, str], GaussianMixture] = {}
    if screen_size is not None and screen_size < n_rows and len(to_fit) > refine_top + 1:
        screening_bic, starts = _screen(
            X, to_fit, screen_size, n_init, seed, min_share, n_jobs, log
        )
        refined = _best_screened(screening_bic, refine_top)
        for key in to_fit:
            if key not in refined:
                by_key[key] = _unfitted(f"{SCREENED_OUT}: not among the {refine_top} best")
        to_fit = [key for key in to_fit if key in refined]
        log(
            "segment fit: refining on all rows: "
            + ", ".join(f"k={k} covariance={cov}" for k, cov in to_fit)
        )

    jobs = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
        delayed(_fit_gmm)(X, k, cov, n_init, seed, starts.get((k, cov))) for k, cov in to_fit
    )
    for (k, cov), (model, error, seconds) in zip(to_fit, jobs, strict=True):
        if model is None:
            log(f"segment fit: k={k} covariance={cov} failed ({seconds:.1f}s): {error}")
            by_key[(k, cov)] = _unfitted(
                f"fit failed at reg_covar {REG_COVAR_STEPS[-1]:g}: {error}"
            )
            continue
        metrics = _describe(model, X, subsample, min_share)
        fitted[(k, cov)] = model
        by_key[(k, cov)] = metrics
        note = f" rejected: {metrics['rejected_reason']}" if metrics["rejected_reason"] else ""
        log(
            f"segment fit: k={k} covariance={cov} bic={metrics['bic']:.1f} "
            f"reg_covar={metrics['reg_covar']:g} ({seconds:.1f}s){note}"
        )
    rows = [
        {
            "k": k,
            "covariance_type": cov,
            **by_key[(k, cov)],
            "screening_bic": _finite_or_nan(screening_bic.get((k, cov), np.nan)),
        }
        for k, cov in grid
    ]

    candidates = pd.DataFrame(rows)
    candidates["chosen"] = False
    eligible = candidates[candidates["rejected_reason"].isna() & candidates["bic"].notna()]
    if eligible.empty:
        raise ValueError("no segment model candidate could be fitted, not even k=1")
    if k_tolerance < 0:
        raise ValueError(f"k_tolerance must be >= 0, got {k_tolerance}")
    cov_rank = eligible["covariance_type"].map(cov_order.index)
    lowest = float(eligible["bic"].min())
    near = eligible[eligible["bic"] <= lowest + k_tolerance * n_rows]
    if k_tolerance == 0:
        near = eligible[eligible["bic"] == lowest]
    best = near.assign(_cov_rank=cov_rank).sort_values(["k", "_cov_rank", "bic"]).index[0]
    candidates.loc[best, "chosen"] = True
    candidates = candidates[CANDIDATE_COLUMNS].astype(
        {"k": "int64", "n_iter": "int64", "converged": "bool", "chosen": "bool"}
    )
    chosen_k = int(candidates.loc[best, "k"])
    chosen_cov = str(candidates.loc[best, "covariance_type"])
    if chosen_k == 1:
        k_more = eligible[eligible["k"] > 1]
        why = (
            "every candidate with k > 1 was rejected (see rejected_reason)"
            if k_more.empty
            else "no segment structure beats a single Gaussian by BIC "
            f"(by more than {k_tolerance:g} per customer)"
        )
        log(f"segment fit: chose k=1 ({chosen_cov}), ONE segment for every customer: {why}")
    else:
        log(
            f"segment fit: chose k={chosen_k} covariance={chosen_cov} "
            f"bic={candidates.loc[best, 'bic']:.1f} (lowest {lowest:.1f}; a segment must gain "
            f"more than {k_tolerance:g} BIC per customer)"
        )
    return SelectionResult(candidates=candidates, model=fitted[(chosen_k, chosen_cov)])

"""Fit-once preprocessing of segment features: fill, transform, clip, standardize.

The SQL scorer re-implements `transform` step for step, so the arithmetic here is the contract:

1. fill: null -> ``fill_value``: the training median of the raw column, or for features whose
   catalogue entry says ``fill: max`` (null means "never", as days since the last event) the
   training maximum (as long ago as anyone seen)
2. transform: ``slog1p`` = sign(x) * log(1 + |x|), or ``identity`` for the catalogue's shares
   and indexes (`customer_segments.features`)
3. clip to [lower, upper] = quantiles (linear interpolation) of the transformed training column
4. standardize: (x - center) / scale, center = mean and scale = std (ddof=0) of the clipped
   training column, scale = 1.0 when std < 1e-12
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from customer_segments.features import feature as catalogue_feature

TRANSFORMS = ("slog1p", "identity")
MIN_SCALE = 1e-12


def default_transform(feature: str) -> str:
    """Return a feature's transform from its catalogue entry: identity or slog1p."""
    return catalogue_feature(feature).transform


def default_fill(feature: str, present: np.ndarray) -> float:
    """Return the fill for nulls: the maximum where null means never (catalogue), else median."""
    if catalogue_feature(feature).fill == "max":
        return float(np.max(present))
    return float(np.median(present))


def slog1p(values: np.ndarray) -> np.ndarray:
    """Return sign(x) * log(1 + |x|), the signed log transform for counts and money."""
    return np.sign(values) * np.log1p(np.abs(values))


def inverse_slog1p(values: np.ndarray) -> np.ndarray:
    """Return sign(y) * (exp(|y|) - 1), the inverse of `slog1p`."""
    return np.sign(values) * np.expm1(np.abs(values))


def apply_transform(values: np.ndarray, name: str) -> np.ndarray:
    """Apply the named transform (`slog1p` or `identity`) to an array."""
    if name == "slog1p":
        return slog1p(values)
    if name == "identity":
        return values
    raise ValueError(f"unknown transform {name!r}; expected one of {', '.join(TRANSFORMS)}")


def invert_transform(values: np.ndarray, name: str) -> np.ndarray:
    """Undo the named transform (`slog1p` or `identity`)."""
    if name == "slog1p":
        return inverse_slog1p(values)
    if name == "identity":
        return values
    raise ValueError(f"unknown transform {name!r}; expected one of {', '.join(TRANSFORMS)}")


def numeric_column(frame: pd.DataFrame, feature: str) -> np.ndarray:
    """Return a feature column as float64 with NaN for null; ValueError if missing/non-numeric."""
    if feature not in frame.columns:
        raise ValueError(
            f"feature column {feature!r} is missing from the frame "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    column = frame[feature]
    if not pd.api.types.is_numeric_dtype(column.dtype):
        if column.isna().all():  # an all-null column often arrives as dtype object
            return np.full(len(column), np.nan)
        raise ValueError(f"feature column {feature!r} is not numeric (dtype {column.dtype})")
    return column.to_numpy(dtype="float64", na_value=np.nan)


def fit_preprocessor(
    frame: pd.DataFrame,
    features: Sequence[str],
    clip_quantiles: Sequence[float] = (0.001, 0.999),
    transforms: Mapping[str, str] | None = None,
) -> dict:
    """Fit fill values, transforms, clip bounds and scaling on a training frame; JSON-safe."""
    if len(set(features)) != len(features):
        raise ValueError(f"features contain duplicates: {list(features)}")
    low_q, high_q = (float(q) for q in clip_quantiles)
    if not 0.0 <= low_q <= high_q <= 1.0:
        raise ValueError(f"clip_quantiles must satisfy 0 <= low <= high <= 1, got {clip_quantiles}")
    overrides = dict(transforms or {})
    unknown = sorted(set(overrides) - set(features))
    if unknown:
        raise ValueError(f"transform overrides name columns that are not features: {unknown}")

    kept: list[str] = []
    dropped: dict[str, str] = {}
    columns: dict[str, list] = {
        key: [] for key in ("transform", "fill_value", "lower", "upper", "center", "scale")
    }
    for feature in features:
        raw = numeric_column(frame, feature)
        if np.isinf(raw).any():
            raise ValueError(f"feature column {feature!r} holds infinite values")
        present = raw[~np.isnan(raw)]
        if present.size == 0:
            dropped[feature] = "all null"
            continue
        transform_name = overrides.get(feature, default_transform(feature))
        fill_value = default_fill(feature, present)
        transformed = apply_transform(np.where(np.isnan(raw), fill_value, raw), transform_name)
        lower = float(np.quantile(transformed, low_q))
        upper = float(np.quantile(transformed, high_q))
        clipped = np.clip(transformed, lower, upper)
        center = float(clipped.mean())
        std = float(clipped.std(ddof=0))
        kept.append(feature)
        columns["transform"].append(transform_name)
        columns["fill_value"].append(fill_value)
        columns["lower"].append(lower)
        columns["upper"].append(upper)
        columns["center"].append(center)
        columns["scale"].append(std if std >= MIN_SCALE else 1.0)
    if not kept:
        raise ValueError(f"every feature is entirely null in the training frame: {list(features)}")
    return {
        "features": kept,
        **columns,
        "clip_quantiles": [low_q, high_q],
        "dropped_features": dropped,
    }


def transform(frame: pd.DataFrame, prep: dict) -> np.ndarray:
    """Apply a fitted preprocessor to a frame: an (n rows x kept features) float64 array."""
    features = prep["features"]
    out = np.empty((len(frame), len(features)), dtype="float64")
    for j, feature in enumerate(features):
        raw = numeric_column(frame, feature)
        filled = np.where(np.isnan(raw), prep["fill_value"][j], raw)
        transformed = apply_transform(filled, prep["transform"][j])
        clipped = np.clip(transformed, prep["lower"][j], prep["upper"][j])
        out[:, j] = (clipped - prep["center"][j]) / prep["scale"][j]
    return out

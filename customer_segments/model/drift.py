"""Reference distributions kept with a fitted model, for drift checks in SQL (PSI)."""

import numpy as np
import pandas as pd

N_BINS = 10


def feature_reference(sample: pd.DataFrame, features: list[str], fill_values: list[float]) -> dict:
    """Return per feature the inner decile edges of the training sample and each bin's share.

    Bins are (-inf, e1], (e1, e2], ..., (e9, inf) on the raw values with nulls filled as the model
    fills them; repeated edges are collapsed, so a feature with few distinct values has fewer bins.
    """
    reference = {}
    for feature, fill in zip(features, fill_values, strict=True):
        values = pd.to_numeric(sample[feature], errors="coerce").astype("float64")
        values = values.fillna(fill).to_numpy()
        edges = np.unique(np.quantile(values, np.linspace(0, 1, N_BINS + 1)[1:-1]))
        bins = np.searchsorted(edges, values, side="left")
        shares = np.bincount(bins, minlength=len(edges) + 1) / len(values)
        reference[feature] = {
            "fill_value": float(fill),
            "edges": [float(edge) for edge in edges],
            "shares": [float(share) for share in shares],
        }
    return reference


def population_stability_index(
    expected: np.ndarray, actual: np.ndarray, floor: float = 1e-4
) -> float:
    """Return PSI = sum((a - e) * ln(a / e)) over bins, shares floored to avoid log(0)."""
    expected = np.maximum(np.asarray(expected, dtype="float64"), floor)
    actual = np.maximum(np.asarray(actual, dtype="float64"), floor)
    return float(np.sum((actual - expected) * np.log(actual / expected)))

"""The scoring spec: the registered model reduced to the numbers the SQL scorer needs.

The macro `score_segments` turns this spec into plain SQL (fill, transform, clip, standardize,
the embedding of an outcome-space model, component log-densities, log-sum-exp, posteriors);
`SegmentModel.score_frame` is its reference. The spec also carries the k-means baseline of the
validation (`baseline`), which the macro `kmeans_baseline_case` turns into SQL.
"""

import math

import numpy as np

from customer_segments.model.segment_model import SegmentModel

LOG_2PI = math.log(2.0 * math.pi)


def scoring_spec(model: SegmentModel) -> dict:
    """Return a JSON-safe dict with per-feature preprocessing and per-component constants."""
    prep = model.prep
    weights, means, precisions_chol = model.arrays()
    n_dims = means.shape[1]
    features = [
        {
            "name": name,
            "fill_value": prep["fill_value"][j],
            "transform": prep["transform"][j],
            "lower": prep["lower"][j],
            "upper": prep["upper"][j],
            "center": prep["center"][j],
            "scale": prep["scale"][j],
        }
        for j, name in enumerate(prep["features"])
    ]
    components = []
    for k, segment_id in enumerate(model.segment_ids):
        if model.covariance_type == "full":
            chol = precisions_chol[k]
            log_det = float(np.log(np.diagonal(chol)).sum())
            # y_j = sum_i (z_i - mean_i) * chol[i, j]; only non-zero entries are kept.
            projection = [
                [[i, float(chol[i, j])] for i in range(n_dims) if chol[i, j] != 0.0]
                for j in range(n_dims)
            ]
        elif model.covariance_type == "diag":
            chol = precisions_chol[k]
            log_det = float(np.log(chol).sum())
            projection = [[[j, float(chol[j])]] for j in range(n_dims)]
        else:
            raise ValueError(f"unsupported covariance_type {model.covariance_type!r}")
        components.append(
            {
                "segment_id": int(segment_id),
                "log_constant": float(math.log(weights[k]) + log_det - 0.5 * n_dims * LOG_2PI),
                "mean": [float(value) for value in means[k]],
                "projection": projection,
            }
        )
    embedding = None
    if model.embedding is not None:
        axis_weights = np.asarray(model.embedding["weights"], dtype="float64")
        embedding = [
            {
                "name": name,
                "terms": [[i, float(w)] for i, w in enumerate(axis_weights[:, j]) if w != 0.0],
                "offset": float(model.embedding["offset"][j]),
            }
            for j, name in enumerate(model.embedding["axes"])
        ]
    return {
        "model_version": model.model_version,
        "covariance_type": model.covariance_type,
        "space": model.space,
        "features": features,
        "embedding": embedding,
        "components": components,
        "baseline": model.baseline,
    }

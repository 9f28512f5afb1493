"""Stable segment ids: match a refit's components to the previous model's segments."""

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from customer_segments.model.preprocess import apply_transform, invert_transform

LINEAGE_EVENTS = ("carried_over", "new", "split", "retired", "merged")


def canonical_order(means: np.ndarray, weights: Sequence[float]) -> list[int]:
    """Return component indices by descending weight, ties broken by the mean lexicographically."""
    means = np.asarray(means, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    return sorted(range(len(weights)), key=lambda i: (-weights[i], tuple(means[i].tolist())))


def means_in_space(
    means_std: np.ndarray, prep_from: dict, prep_to: dict
) -> tuple[np.ndarray, list[int]]:
    """Re-express standardized means of one preprocessor in another's standardized space.

    Returns the means over the features both preprocessors kept (in prep_to's feature order) and
    the positions of those features in prep_to["features"], to slice the other side alike.
    """
    means_std = np.atleast_2d(np.asarray(means_std, dtype="float64"))
    from_features = list(prep_from["features"])
    if means_std.shape[1] != len(from_features):
        raise ValueError(
            f"means have {means_std.shape[1]} columns but prep_from has {len(from_features)} "
            "features"
        )
    from_position = {name: j for j, name in enumerate(from_features)}
    to_positions = [j for j, name in enumerate(prep_to["features"]) if name in from_position]
    out = np.empty((means_std.shape[0], len(to_positions)), dtype="float64")
    for column, j_to in enumerate(to_positions):
        j_from = from_position[prep_to["features"][j_to]]
        value = means_std[:, j_from] * prep_from["scale"][j_from] + prep_from["center"][j_from]
        if prep_from["transform"][j_from] != prep_to["transform"][j_to]:
            raw = invert_transform(value, prep_from["transform"][j_from])
            value = apply_transform(raw, prep_to["transform"][j_to])
        out[:, column] = (value - prep_to["center"][j_to]) / prep_to["scale"][j_to]
    return out, to_positions


def _lineage_row(segment_id: int, event: str, related: int | None, distance: float | None) -> dict:
    """Return one lineage row with plain Python types (distance None when undefined)."""
    finite = distance is not None and np.isfinite(distance)
    return {
        "segment_id": int(segment_id),
        "event": event,
        "related_segment_id": None if related is None else int(related),
        "distance": float(distance) if finite else None,
    }


def assign_segment_ids(
    new_means: np.ndarray,
    new_weights: Sequence[float],
    previous: list[dict] | None,
    threshold: float,
    next_id: int,
    relation_factor: float = 2.0,
) -> tuple[list[int], list[dict]]:
    """Give each new component a segment id, keeping the ids of matched previous segments.

    Means on both sides must be in one common space. Matching is an optimal assignment on
    Euclidean distance that first maximises the number of pairs within `threshold`, then
    minimises their total distance. Unmatched components get fresh ids from `next_id` in
    canonical order. Split/merged lineage events need the related segment to lie within
    `relation_factor * threshold`; farther ones are plain new/retired.
    """
    new_means = np.atleast_2d(np.asarray(new_means, dtype="float64"))
    weights = np.asarray(new_weights, dtype="float64")
    n_new, n_dims = new_means.shape
    if weights.shape != (n_new,):
        raise ValueError(f"new_weights has shape {weights.shape}, expected ({n_new},)")
    if threshold < 0:
        raise ValueError(f"threshold must be non-negative, got {threshold}")
    order = canonical_order(new_means, weights)
    ids = [0] * n_new
    if not previous:
        for rank, i in enumerate(order):
            ids[i] = int(next_id) + rank
        return ids, [_lineage_row(ids[i], "new", None, None) for i in order]

    prev = sorted(previous, key=lambda row: int(row["segment_id"]))
    prev_ids = [int(row["segment_id"]) for row in prev]
    if len(set(prev_ids)) != len(prev_ids):
        raise ValueError(f"previous segment ids are not unique: {prev_ids}")
    if next_id <= max(prev_ids):
        raise ValueError(f"next_id {next_id} is not above the previous ids (max {max(prev_ids)})")
    prev_means = np.asarray([row["mean"] for row in prev], dtype="float64").reshape(len(prev), -1)
    if prev_means.shape[1] != n_dims:
        raise ValueError(
            f"previous means have {prev_means.shape[1]} dimensions, new means have {n_dims}"
        )

    ordered_means = new_means[order]
    if n_dims == 0:
        distance = np.full((n_new, len(prev)), np.inf)
    else:
        distance = cdist(ordered_means, prev_means)
    feasible = distance <= threshold
    # Infeasible pairs cost more than any set of feasible ones, so LSA maximises the match count.
    penalty = min(n_new, len(prev)) * threshold + 1.0
    rows, cols = linear_sum_assignment(np.where(feasible, distance, penalty))
    match = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if feasible[r, c]}
    matched_prev = set(match.values())
    radius = relation_factor * threshold

    ordered_ids = [0] * n_new
    fresh = int(next_id)
    for rank in range(n_new):
        if rank in match:
            ordered_ids[rank] = prev_ids[match[rank]]
        else:
            ordered_ids[rank] = fresh
            fresh += 1

    lineage = []
    for rank in range(n_new):
        if rank in match:
            c = match[rank]
            lineage.append(_lineage_row(prev_ids[c], "carried_over", None, distance[rank, c]))
            continue
        nearest = int(np.argmin(distance[rank]))
        near = distance[rank, nearest]
        if nearest in matched_prev and near <= radius:
            lineage.append(_lineage_row(ordered_ids[rank], "split", prev_ids[nearest], near))
        else:
            lineage.append(_lineage_row(ordered_ids[rank], "new", None, near))
    for c, prev_id in enumerate(prev_ids):
        if c in matched_prev:
            continue
        nearest = int(np.argmin(distance[:, c]))
        near = distance[nearest, c]
        if nearest in match and near <= radius:
            lineage.append(_lineage_row(prev_id, "merged", ordered_ids[nearest], near))
        else:
            lineage.append(_lineage_row(prev_id, "retired", None, near))
    lineage.sort(key=lambda row: (row["segment_id"], LINEAGE_EVENTS.index(row["event"])))

    for rank, i in enumerate(order):
        ids[i] = ordered_ids[rank]
    return ids, lineage

"""Readable segment rules: a shallow decision tree with rounded thresholds, as text and SQL.

The tree is fitted on the unscaled features (nulls filled with ``fill_values``) to predict the
segment. Each split threshold is then rounded once, at its node, to a value people can read:

- integer-valued columns (all values integral): ``x <= floor(t)`` / ``x > floor(t)``, exact;
- shares and indexes (the feature catalogue's units ``share``/``index``, or all values in
  [-1, 1]): 2 decimals;
- everything else (money, averages): 2 significant figures (47.3 -> 47, 1234 -> 1200).

A rounded threshold must keep rows on both sides of the split (among the rows that reach the node
through the already rounded ancestors); otherwise more digits are kept. A node whose rows can no
longer be split becomes a leaf. Both children share the node's rounded threshold, so the leaves
partition the space, and every reported number is recomputed from the rounded predicates:
running ``rule_sql`` on the same rows reproduces ``n_customers``, ``precision`` and ``recall``.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from customer_segments.features import catalogue

RULE_COLUMNS = (
    "rule_id",
    "segment_id",
    "rule_text",
    "rule_sql",
    "n_customers",
    "support",
    "precision",
    "recall",
    "depth",
)
TREE_LEAF = -1  # sklearn's children_left value for a leaf
MAX_DIGITS = 12
EVERY_CUSTOMER_TEXT = "every customer"
EVERY_CUSTOMER_SQL = "true"
SQL_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Condition:
    """One rounded predicate: ``feature <= value`` (op "le") or ``feature > value`` (op "gt")."""

    feature: str
    op: str
    value: float


@dataclass(frozen=True)
class _Leaf:
    """A leaf of the rounded tree: its path, the training rows it holds and its depth."""

    path: tuple[Condition, ...]
    rows: np.ndarray
    depth: int


@dataclass
class RuleSet:
    """Rules that reproduce a segmentation: one per leaf, their fidelity and a row assigner."""

    rules: pd.DataFrame
    fidelity: float
    max_depth: int
    features: list[str] = field(default_factory=list)
    fill_values: dict[str, float] = field(default_factory=dict)
    conditions: list[tuple[Condition, ...]] = field(default_factory=list, repr=False)

    def assign(self, frame: pd.DataFrame) -> pd.Series:
        """Return the rule_id each row falls in, by evaluating the rounded predicates."""
        used = sorted({condition.feature for path in self.conditions for condition in path})
        matrix = _filled_matrix(frame, used, self.fill_values)
        column = {feature: j for j, feature in enumerate(used)}
        result = np.full(len(frame), None, dtype=object)
        for rule_id, path in zip(self.rules["rule_id"], self.conditions, strict=True):
            mask = np.full(len(frame), True)
            for condition in path:
                values = matrix[:, column[condition.feature]]
                if condition.op == "le":
                    mask &= values <= condition.value
                else:
                    mask &= values > condition.value
            result[mask & pd.isna(result)] = rule_id
        return pd.Series(result, index=frame.index, name="rule_id", dtype=object)


def format_number(value: float) -> str:
    """Format a threshold for people: thousands separators, no trailing zeros."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.12g}"


def format_threshold(feature: str, value: float) -> str:
    """Format a threshold in the feature's units (rates and shares as percentages)."""
    entry = catalogue().get(feature)
    if entry is not None and entry.unit == "share":
        return format_number(round(float(value) * 100.0, 10)) + "%"
    return format_number(value)


def sql_number(value: float) -> str:
    """Format a number as a plain SQL literal (integral values without a decimal point)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _round_significant(value: float, digits: int) -> float:
    """Round to a number of significant figures (1234 -> 1200 for 2)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    exponent = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - exponent))


def _feature_kind(feature: str, values: np.ndarray) -> str:
    """Classify a filled column for rounding: 'integer', 'rate' or 'amount'."""
    if np.all(np.mod(values, 1.0) == 0.0):
        return "integer"
    entry = catalogue().get(feature)
    if (entry is not None and entry.is_fraction) or (values.min() >= -1.0 and values.max() <= 1.0):
        return "rate"
    return "amount"


def _candidates(target: float, kind: str) -> list[float]:
    """Return rounded thresholds for a split, coarsest first."""
    if kind == "integer":
        return [float(math.floor(target))]
    if kind == "rate":
        return [float(round(target, digits)) for digits in range(2, MAX_DIGITS + 1)]
    return [_round_significant(target, digits) for digits in range(2, MAX_DIGITS + 1)]


def _choose_threshold(threshold: float, values: np.ndarray, kind: str) -> float | None:
    """Return the rounded threshold for a node's rows, or None when they cannot be split."""
    low, high = float(values.min()), float(values.max())
    if not low < high:
        return None
    target = float(threshold)
    if not low <= target < high:
        # Rounded ancestors changed the rows here: cut between the values nearest the threshold.
        distinct = np.unique(values)
        position = int(np.clip(np.searchsorted(distinct, target), 1, len(distinct) - 1))
        target = float((distinct[position - 1] + distinct[position]) / 2.0)
        if not low <= target < high:
            target = float(distinct[position - 1])
    for candidate in _candidates(target, kind):
        if low <= candidate < high:
            return candidate
    return target


def _rounded_leaves(tree, matrix: np.ndarray, features: Sequence[str], kinds: Sequence[str]):
    """Walk the fitted tree depth-first, left to right, rounding each split; return the leaves."""
    leaves: list[_Leaf] = []
    stack: list[tuple[int, np.ndarray, tuple[Condition, ...], int]] = [
        (0, np.arange(matrix.shape[0]), (), 0)
    ]
    while stack:
        node, rows, path, depth = stack.pop()
        left = int(tree.children_left[node])
        if left != TREE_LEAF:
            j = int(tree.feature[node])
            values = matrix[rows, j]
            cut = _choose_threshold(float(tree.threshold[node]), values, kinds[j])
            if cut is not None:
                right = int(tree.children_right[node])
                feature = features[j]
                stack.append(
                    (right, rows[values > cut], (*path, Condition(feature, "gt", cut)), depth + 1)
                )
                stack.append(
                    (left, rows[values <= cut], (*path, Condition(feature, "le", cut)), depth + 1)
                )
                continue
        leaves.append(_Leaf(path, rows, depth))
    return leaves


def _merge(path: Sequence[Condition]) -> list[tuple[str, float | None, float | None]]:
    """Collapse a path to one (feature, lower, upper) bound per feature, tightest bounds kept."""
    bounds: dict[str, list[float | None]] = {}
    for condition in path:
        lower, upper = bounds.setdefault(condition.feature, [None, None])
        if condition.op == "gt":
            bounds[condition.feature][0] = (
                condition.value if lower is None else max(lower, condition.value)
            )
        else:
            bounds[condition.feature][1] = (
                condition.value if upper is None else min(upper, condition.value)
            )
    return [(feature, lower, upper) for feature, (lower, upper) in bounds.items()]


# counts: feature -> (smallest possible value, phrase of n with {n} and {s} for the plural "s")
NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


def _count_text(feature: str, lower: float | None, upper: float | None) -> str:
    """Phrase a bound on a count as a person would: "1 order", "2 to 4 orders", "no ..."."""
    entry = catalogue()[feature]
    smallest, phrase = entry.smallest, entry.count_phrase
    low = smallest if lower is None else max(smallest, math.floor(lower) + 1)
    high = None if upper is None else math.floor(upper)

    def amount(n: int, text: str) -> str:
        if entry.number_words:
            text = text.replace("{n}", NUMBER_WORDS.get(n, "{n}"))
        if n == 0:
            return text.replace("{n}", "no").replace("{s}", "s")
        return text.replace("{n}", f"{n:,}").replace("{s}", "" if n == 1 else "s")

    if high is not None and high <= low:
        return amount(high, phrase)
    if high is None:
        return amount(low, phrase.replace("{n}", "at least {n}", 1))
    if low == smallest:
        return amount(high, phrase.replace("{n}", "at most {n}", 1))
    return phrase.replace("{n}", f"{low:,} to {high:,}").replace("{s}", "s")


def _bound_text(feature: str, lower: float | None, upper: float | None) -> str:
    """Phrase one merged bound in the feature's units; counts as whole numbers."""
    entry = catalogue().get(feature)
    if entry is not None and entry.unit == "count":
        return _count_text(feature, lower, upper)
    at_most, more_than, between = (
        entry.phrases
        if entry is not None
        else (f"{feature} ≤ {{v}}", f"{feature} > {{v}}", f"{feature} > {{lo}} and ≤ {{hi}}")
    )
    if lower is None:
        return at_most.format(v=format_threshold(feature, upper))
    if upper is None:
        return more_than.format(v=format_threshold(feature, lower))
    return between.format(lo=format_threshold(feature, lower), hi=format_threshold(feature, upper))


def _sql_column(feature: str, fill_values: Mapping[str, float]) -> str:
    """Return the SQL expression for a feature: coalesce(column, fill) when a fill is known."""
    column = feature if SQL_IDENTIFIER.match(feature) else '"' + feature.replace('"', '""') + '"'
    if feature in fill_values:
        return f"coalesce({column}, {float(fill_values[feature])!r})"
    return column


def rule_text(path: Sequence[Condition]) -> str:
    """Return the readable text of a path of conditions ("every customer" when empty)."""
    merged = _merge(path)
    if not merged:
        return EVERY_CUSTOMER_TEXT
    return " and ".join(_bound_text(feature, lower, upper) for feature, lower, upper in merged)


def rule_sql(path: Sequence[Condition], fill_values: Mapping[str, float]) -> str:
    """Return the SQL boolean predicate of a path of conditions ("true" when empty)."""
    parts = []
    for feature, lower, upper in _merge(path):
        column = _sql_column(feature, fill_values)
        if lower is not None:
            parts.append(f"{column} > {sql_number(lower)}")
        if upper is not None:
            parts.append(f"{column} <= {sql_number(upper)}")
    return " and ".join(parts) if parts else EVERY_CUSTOMER_SQL


def _filled_matrix(
    frame: pd.DataFrame, features: Sequence[str], fill_values: Mapping[str, float]
) -> np.ndarray:
    """Return the features as a float64 matrix with nulls replaced by their fill values."""
    matrix = np.empty((len(frame), len(features)), dtype="float64")
    for j, feature in enumerate(features):
        if feature not in frame.columns:
            raise ValueError(
                f"feature column {feature!r} is missing from the frame "
                f"(columns: {', '.join(map(str, frame.columns))})"
            )
        column = frame[feature]
        if not pd.api.types.is_numeric_dtype(column.dtype):
            raise ValueError(f"feature column {feature!r} is not numeric (dtype {column.dtype})")
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        if missing.any():
            if feature not in fill_values:
                raise ValueError(
                    f"feature column {feature!r} has {int(missing.sum())} null values "
                    "but fill_values has no entry for it"
                )
            values = np.where(missing, float(fill_values[feature]), values)
        if not np.isfinite(values).all():
            raise ValueError(f"feature column {feature!r} has infinite values")
        matrix[:, j] = values
    return matrix


def aligned_labels(frame: pd.DataFrame, segment: pd.Series) -> np.ndarray:
    """Return the segment labels in the frame's row order (by index when both indexes match)."""
    if len(segment) != len(frame):
        raise ValueError(f"segment has {len(segment)} values but the frame has {len(frame)} rows")
    same_rows = (
        frame.index.is_unique
        and segment.index.is_unique
        and not segment.index.equals(frame.index)
        and set(segment.index) == set(frame.index)
    )
    labels = segment.reindex(frame.index) if same_rows else segment
    missing = int(labels.isna().sum())
    if missing:
        raise ValueError(f"segment has {missing} null values; every row needs a segment_id")
    return labels.to_numpy()


def _majority(labels: np.ndarray) -> object:
    """Return the most frequent label, ties to the lowest."""
    values, counts = np.unique(labels, return_counts=True)
    return values[int(np.argmax(counts))]


def _plain(value: object) -> object:
    """Convert a numpy scalar to the matching Python scalar."""
    return value.item() if isinstance(value, np.generic) else value


def extract_rules(
    frame: pd.DataFrame,
    segment: pd.Series,
    features: list[str],
    fill_values: dict[str, float],
    max_depth: int = 4,
    min_leaf_share: float = 0.01,
    seed: int = 0,
) -> RuleSet:
    """Fit a shallow tree that predicts the segment and return its leaves as rounded rules."""
    if len(frame) == 0:
        raise ValueError("cannot extract rules from an empty frame (0 rows)")
    if not features:
        raise ValueError("features is empty; rules need at least one feature column")
    if max_depth < 0:
        raise ValueError(f"max_depth must be >= 0, got {max_depth}")
    if not 0.0 <= min_leaf_share < 1.0:
        raise ValueError(f"min_leaf_share must be in [0, 1), got {min_leaf_share}")
    for feature, fill in fill_values.items():
        if not math.isfinite(float(fill)):
            raise ValueError(f"fill_values[{feature!r}] must be finite, got {fill!r}")
    features = list(features)
    labels = aligned_labels(frame, segment)
    if "customer_id" in frame.columns:
        keyed = frame[["customer_id", *[f for f in features if f in frame.columns]]].copy()
        keyed.columns = [f"key_{j}" for j in range(keyed.shape[1])]
        keyed["label"] = labels
        keyed = keyed.reset_index(drop=True)
        order = keyed.sort_values(list(keyed.columns), kind="stable").index.to_numpy()
        frame = frame.iloc[order]
        labels = labels[order]

    matrix = _filled_matrix(frame, features, fill_values)
    n_rows = len(frame)
    if len(np.unique(labels)) == 1 or max_depth == 0:
        leaves = [_Leaf((), np.arange(n_rows), 0)]
    else:
        kinds = [_feature_kind(feature, matrix[:, j]) for j, feature in enumerate(features)]
        tree = DecisionTreeClassifier(
            max_depth=max_depth,
            min_samples_leaf=max(1, math.ceil(min_leaf_share * n_rows)),
            random_state=seed,
        ).fit(matrix, labels)
        leaves = _rounded_leaves(tree.tree_, matrix, features, kinds)

    segment_sizes = dict(zip(*np.unique(labels, return_counts=True), strict=True))
    width = max(2, len(str(len(leaves))))
    used_fills = {f: float(v) for f, v in fill_values.items() if f in features}
    records, correct = [], 0
    for position, leaf in enumerate(leaves, start=1):
        leaf_labels = labels[leaf.rows]
        segment_id = _majority(leaf_labels)
        hits = int(np.sum(leaf_labels == segment_id))
        correct += hits
        records.append(
            {
                "rule_id": f"R{position:0{width}d}",
                "segment_id": _plain(segment_id),
                "rule_text": rule_text(leaf.path),
                "rule_sql": rule_sql(leaf.path, used_fills),
                "n_customers": len(leaf.rows),
                "support": len(leaf.rows) / n_rows,
                "precision": hits / len(leaf.rows),
                "recall": hits / int(segment_sizes[segment_id]),
                "depth": leaf.depth,
            }
        )
    rules = pd.DataFrame.from_records(records, columns=list(RULE_COLUMNS))
    return RuleSet(
        rules=rules,
        fidelity=correct / n_rows,
        max_depth=max_depth,
        features=features,
        fill_values=used_fills,
        conditions=[leaf.path for leaf in leaves],
    )

"""Segment names and one-sentence descriptions derived from segment profiles.

A profile holds, per segment, the mean and median of each feature next to the population's.
The lift of a feature is segment / population: on medians for day counts ("median last order 9
days ago"), on means for counts, money and rates ("orders 4.1x the average"), falling back to
the other statistic when the population value is not positive. Scores use log lifts shrunk
toward 1, so a segment at zero does not outweigh everything else. Lifts of recency, frequency,
monetary, tenure, sessions, email engagement, refunds and tickets score each segment against a
table of archetypes; an optimal assignment gives each segment at most one archetype, so names are
unique. Segments no archetype fits get a descriptive name ("High-spend, recent"), suffixed
" (2)" on collision. Names carry with the segment id across refits; overrides win over everything.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from customer_segments.explain.rules import aligned_labels
from customer_segments.model.preprocess import numeric_column

NAME_COLUMNS = ("segment_id", "segment_name", "segment_description", "name_source")
SHRINK = 0.25  # scores use log((value + SHRINK * pop) / ((1 + SHRINK) * pop)): zero -> log(0.2)
MAX_LIFT = 20.0  # ... capped at log(MAX_LIFT)
SMALL_RATIO = 0.05  # below this a ratio reads badly ("0.01x"); show both values instead
LOW_SIDE_WEIGHT = 0.5  # how distinctive a low value of a HIGH_ONLY feature is, when ranking
MIN_LOG_LIFT = math.log(1.25)  # a trait counts when the lift is >= 1.25x or <= 0.8x
MEAN_WEIGHT = 0.1  # archetype score: weakest condition + MEAN_WEIGHT * mean condition ...
SPECIFICITY_BONUS = 1.0  # ... + SPECIFICITY_BONUS per condition beyond the first


@dataclass(frozen=True)
class Archetype:
    """A named kind of segment: dimensions that must be high (+1) or low (-1)."""

    name: str
    conditions: tuple[tuple[str, int], ...]
    min_log_lift: float = MIN_LOG_LIFT
    max_median_orders: float | None = None
    bonus: float = 0.0


@dataclass(frozen=True)
class Lift:
    """One feature of one segment against the population, on the median or the mean."""

    feature: str
    basis: str
    value: float
    population: float
    ratio: float
    log: float

    @property
    def distinctiveness(self) -> float:
        """Return |log lift|, halved for low values of features only notable when high."""
        weight = LOW_SIDE_WEIGHT if self.log < 0 and self.feature in HIGH_ONLY else 1.0
        return weight * abs(self.log)


# dimension -> features that measure it, first available wins, with the sign that means "high"
DIMENSIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "recency": (("days_since_last_order", -1), ("days_since_last_event", -1)),
    "frequency": (("order_count", 1), ("orders_90d", 1)),
    "monetary": (("net_spend", 1), ("spend_90d", 1)),
    "order_value": (("avg_order_value", 1),),
    "tenure": (("tenure_days", 1),),
    "sessions": (("sessions_90d", 1), ("sessions_30d", 1)),
    "email": (("email_open_rate", 1), ("email_click_rate", 1)),
    "refunds": (("refund_share", 1),),
    "tickets": (("support_tickets_90d", 1),),
}

ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("Champions", (("recency", 1), ("frequency", 1), ("monetary", 1))),
    Archetype("Loyal regulars", (("frequency", 1), ("tenure", 1))),
    Archetype("New and engaged", (("tenure", -1), ("recency", 1), ("sessions", 1))),
    Archetype("New customers", (("tenure", -1), ("recency", 1))),
    Archetype("At-risk big spenders", (("recency", -1), ("monetary", 1))),
    Archetype("At risk", (("recency", -1), ("frequency", 1))),
    Archetype(
        "Lapsed one-timers", (("recency", -1), ("frequency", -1)), max_median_orders=1, bonus=0.2
    ),
    Archetype("Dormant", (("recency", -1), ("frequency", -1))),
    Archetype("Serial refunders", (("refunds", 1),), min_log_lift=math.log(2.0)),
    Archetype("Bargain hunters", (("order_value", -1), ("frequency", 1))),
    Archetype("Window shoppers", (("sessions", 1), ("frequency", -1))),
    Archetype("Big-ticket occasionals", (("order_value", 1), ("frequency", -1))),
    Archetype("Support-heavy", (("tickets", 1),), min_log_lift=math.log(2.0)),
    Archetype("Email enthusiasts", (("email", 1),), min_log_lift=math.log(1.5)),
)

# features whose low values say little (most customers never refund or open a ticket)
HIGH_ONLY = frozenset({"refund_share", "support_tickets_90d"})

# dimension -> (adjective when high, adjective when low or None), for descriptive fallback names
ADJECTIVES: dict[str, tuple[str, str | None]] = {
    "recency": ("Recent", "Lapsing"),
    "frequency": ("Frequent", "Infrequent"),
    "monetary": ("High-spend", "Low-spend"),
    "order_value": ("Big-basket", "Small-basket"),
    "tenure": ("Long-standing", "Newer"),
    "sessions": ("Browsing-heavy", "Low-browsing"),
    "email": ("Email-engaged", "Email-quiet"),
    "refunds": ("Refund-prone", None),
    "tickets": ("Support-heavy", None),
}

# feature -> (label, style); styles: days_ago, days, percent, ratio
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "days_since_last_order": ("last order", "days_ago"),
    "days_since_last_event": ("last activity", "days_ago"),
    "tenure_days": ("first order", "days_ago"),
    "avg_days_between_orders": ("gap between orders", "days"),
    "order_count": ("orders", "ratio"),
    "orders_90d": ("orders in the last 90 days", "ratio"),
    "net_spend": ("net spend", "ratio"),
    "avg_order_value": ("average order value", "ratio"),
    "spend_90d": ("spend in the last 90 days", "ratio"),
    "active_months": ("active months", "ratio"),
    "sessions_30d": ("sessions in the last 30 days", "ratio"),
    "sessions_90d": ("sessions in the last 90 days", "ratio"),
    "support_tickets_90d": ("support tickets in the last 90 days", "ratio"),
    "refund_share": ("refund share", "percent"),
    "email_open_rate": ("email open rate", "percent"),
    "email_click_rate": ("email click rate", "percent"),
}


def _numeric(frame: pd.DataFrame, feature: str) -> pd.Series:
    """Return a feature column as float64 with NaN for null; ValueError if missing/non-numeric."""
    return pd.Series(numeric_column(frame, feature), index=frame.index)


def build_profile(frame: pd.DataFrame, segment: pd.Series, features: list[str]) -> pd.DataFrame:
    """Return one row per segment: share, and per feature its mean/median and the population's."""
    if len(frame) == 0:
        raise ValueError("cannot profile an empty frame (0 rows)")
    labels = aligned_labels(frame, segment)
    data = pd.DataFrame({feature: _numeric(frame, feature) for feature in features})
    data = data.reset_index(drop=True)
    data["segment_id"] = labels
    grouped = data.groupby("segment_id", sort=True)
    sizes = grouped.size()
    columns: dict[str, object] = {
        "segment_id": sizes.index.to_numpy(),
        "share": (sizes / len(data)).to_numpy(dtype="float64"),
    }
    for feature in features:
        columns[f"{feature}__mean"] = grouped[feature].mean().to_numpy(dtype="float64")
        columns[f"{feature}__median"] = grouped[feature].median().to_numpy(dtype="float64")
        columns[f"{feature}__population_mean"] = float(data[feature].mean())
        columns[f"{feature}__population_median"] = float(data[feature].median())
    return pd.DataFrame(columns)


def _finite(value: object) -> float | None:
    """Return a value as a finite float, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def profile_features(profile: pd.DataFrame) -> list[str]:
    """Return the features a profile describes (those with a mean or median column)."""
    features: list[str] = []
    for column in map(str, profile.columns):
        if column.endswith(("__population_mean", "__population_median")):
            continue
        for suffix in ("__mean", "__median"):
            feature = column[: -len(suffix)]
            if column.endswith(suffix) and feature not in features:
                features.append(feature)
    return features


def segment_lifts(row: pd.Series, features: Sequence[str]) -> dict[str, Lift]:
    """Return the lift of each feature with a positive population value and a value >= 0."""
    lifts: dict[str, Lift] = {}
    for feature in features:
        style = FEATURE_LABELS.get(feature, ("", "ratio"))[1]
        bases = ("median", "mean") if style in ("days_ago", "days") else ("mean", "median")
        for basis in bases:
            value = _finite(row.get(f"{feature}__{basis}"))
            population = _finite(row.get(f"{feature}__population_{basis}"))
            if value is None or population is None or population <= 0:
                continue
            if value >= 0:
                shrunk = (value + SHRINK * population) / ((1.0 + SHRINK) * population)
                log = math.log(min(shrunk, MAX_LIFT))
                lifts[feature] = Lift(feature, basis, value, population, value / population, log)
            break
    return lifts


def dimension_scores(lifts: dict[str, Lift]) -> dict[str, float]:
    """Return the signed log lift of each dimension that has a feature (positive means high)."""
    scores: dict[str, float] = {}
    for dimension, options in DIMENSIONS.items():
        for feature, sign in options:
            if feature in lifts:
                scores[dimension] = sign * lifts[feature].log
                break
    return scores


def archetype_score(archetype: Archetype, scores: dict[str, float], row: pd.Series) -> float | None:
    """Return how well a segment fits an archetype, or None when it does not fit."""
    signed = []
    for dimension, direction in archetype.conditions:
        if dimension not in scores:
            return None
        signed.append(direction * scores[dimension])
    weakest = min(signed)
    if weakest < archetype.min_log_lift:
        return None
    if archetype.max_median_orders is not None:
        orders = _finite(row.get("order_count__median"))
        if orders is None or orders > archetype.max_median_orders:
            return None
    return (
        weakest
        + MEAN_WEIGHT * float(np.mean(signed))
        + SPECIFICITY_BONUS * (len(signed) - 1)
        + archetype.bonus
    )


def descriptive_name(scores: dict[str, float]) -> str:
    """Return a name from the one or two strongest traits ("High-spend, recent")."""
    order = list(ADJECTIVES)
    words = [
        word
        for dimension in sorted(
            (dimension for dimension, score in scores.items() if abs(score) >= MIN_LOG_LIFT),
            key=lambda dimension: (-abs(scores[dimension]), order.index(dimension)),
        )
        if (word := ADJECTIVES[dimension][0 if scores[dimension] > 0 else 1]) is not None
    ][:2]
    if not words:
        return "Typical customers"
    if len(words) == 1:
        return f"{words[0]} customers"
    return f"{words[0]}, {words[1][0].lower()}{words[1][1:]}"


def _format_value(value: float) -> str:
    """Format a statistic for a sentence: whole numbers from 10 up, else 2 significant figures."""
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _format_ratio(ratio: float) -> str:
    """Format a lift: '4.1', '12', '0.52'."""
    return f"{ratio:.0f}" if ratio >= 9.95 else f"{ratio:.2g}"


def _phrase(lift: Lift) -> str:
    """Phrase one lift in the feature's units."""
    label, style = FEATURE_LABELS.get(lift.feature, (lift.feature.replace("_", " "), "ratio"))
    basis = "median" if lift.basis == "median" else "average"
    if style == "days_ago":
        return f"{basis} {label} {lift.value:,.0f} days ago vs {lift.population:,.0f} overall"
    if style == "days":
        return f"{basis} {label} {lift.value:,.0f} days vs {lift.population:,.0f} overall"
    if style == "percent":
        return f"{basis} {label} {lift.value:.0%} vs {lift.population:.0%} overall"
    if lift.ratio < SMALL_RATIO:
        return (
            f"{basis} {label} {_format_value(lift.value)} "
            f"vs {_format_value(lift.population)} overall"
        )
    reference = "the average" if lift.basis == "mean" else "the overall median"
    return f"{label} {_format_ratio(lift.ratio)}× {reference}"


def describe_segment(lifts: dict[str, Lift]) -> str:
    """Return one sentence on the 2-3 most distinctive features, with their numbers."""
    ranked = sorted(lifts.values(), key=lambda lift: -lift.distinctiveness)
    chosen = ranked[:2] + [lift for lift in ranked[2:3] if lift.distinctiveness >= MIN_LOG_LIFT]
    if not chosen:
        return "No feature stands out from the population."
    sentence = "; ".join(_phrase(lift) for lift in chosen)
    return sentence[0].upper() + sentence[1:] + "."


def _key(value: object) -> object:
    """Normalise a segment id for matching across tables (3, 3.0 and np.int64(3) are equal)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(value: object) -> bool:
    """Return True for None, NaN and empty or whitespace-only text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return True
    return isinstance(value, str) and not value.strip()


def _read_names(table: pd.DataFrame | None, what: str) -> dict[object, tuple[str, str | None]]:
    """Return {segment id: (name, description or None)} from a names table."""
    if table is None or len(table) == 0:
        return {}
    for column in ("segment_id", "segment_name"):
        if column not in table.columns:
            raise ValueError(f"{what} has no column {column!r}")
    names: dict[object, tuple[str, str | None]] = {}
    descriptions = table["segment_description"] if "segment_description" in table.columns else None
    for position in range(len(table)):
        segment_id = _key(table["segment_id"].iloc[position])
        if segment_id in names:
            raise ValueError(f"{what} has segment_id {segment_id!r} more than once")
        name = table["segment_name"].iloc[position]
        if _blank(name):
            if what == "overrides":
                raise ValueError(
                    f"overrides has a blank segment_name for segment_id {segment_id!r}"
                )
            continue
        description = None if descriptions is None else descriptions.iloc[position]
        names[segment_id] = (str(name).strip(), None if _blank(description) else str(description))
    return names


def _unique(name: str, taken: set[str]) -> str:
    """Return the name, or the name with ' (2)', ' (3)', ... when it is taken."""
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def name_segments(
    profile: pd.DataFrame,
    previous_names: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return a unique name, a one-sentence description and its source for every segment."""
    if "segment_id" not in profile.columns:
        raise ValueError("profile has no column 'segment_id'")
    if profile["segment_id"].isna().any():
        raise ValueError("profile has null segment_id values")
    keys = [_key(value) for value in profile["segment_id"]]
    if len(set(keys)) != len(keys):
        raise ValueError("profile has duplicate segment_id values; expected one row per segment")
    if len(profile) == 0:
        return pd.DataFrame(columns=list(NAME_COLUMNS))

    profile = profile.iloc[sorted(range(len(keys)), key=keys.__getitem__)]
    features = profile_features(profile)
    rows = {_key(row["segment_id"]): row for _, row in profile.iterrows()}
    lifts = {key: segment_lifts(row, features) for key, row in rows.items()}
    scores = {key: dimension_scores(value) for key, value in lifts.items()}
    result = {
        key: {"name": None, "description": describe_segment(lifts[key]), "source": "derived"}
        for key in rows
    }

    owner: dict[str, object] = {}
    for key, (name, description) in _read_names(overrides, "overrides").items():
        if key not in rows:
            continue
        if name.casefold() in owner:
            raise ValueError(
                f"overrides give the name {name!r} to segment_id {owner[name.casefold()]!r} "
                f"and {key!r}; names must be unique"
            )
        owner[name.casefold()] = key
        result[key]["name"], result[key]["source"] = name, "override"
        if description is not None:
            result[key]["description"] = description
    taken = set(owner)

    previous = _read_names(previous_names, "previous_names")
    for key in rows:
        if key in previous and result[key]["name"] is None:
            name = previous[key][0]
            if name.casefold() not in taken:
                result[key]["name"], result[key]["source"] = name, "carried"
                taken.add(name.casefold())

    pending = [key for key in rows if result[key]["name"] is None]
    archetypes = [a for a in ARCHETYPES if a.name.casefold() not in taken]
    if pending and archetypes:
        matrix = np.zeros((len(pending), len(archetypes)))
        for i, key in enumerate(pending):
            for j, archetype in enumerate(archetypes):
                score = archetype_score(archetype, scores[key], rows[key])
                matrix[i, j] = -1.0 if score is None else score
        chosen_rows, chosen_columns = linear_sum_assignment(np.maximum(matrix, 0.0), maximize=True)
        for i, j in zip(chosen_rows, chosen_columns, strict=True):
            if matrix[i, j] > 0:
                result[pending[i]]["name"] = archetypes[j].name
                taken.add(archetypes[j].name.casefold())
    for key in pending:
        if result[key]["name"] is None:
            name = _unique(descriptive_name(scores[key]), taken)
            result[key]["name"] = name
            taken.add(name.casefold())

    return pd.DataFrame(
        {
            "segment_id": profile["segment_id"].to_numpy(),
            "segment_name": [result[key]["name"] for key in rows],
            "segment_description": [result[key]["description"] for key in rows],
            "name_source": [result[key]["source"] for key in rows],
        },
        columns=list(NAME_COLUMNS),
    )

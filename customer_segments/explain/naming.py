"""Segment names and descriptions derived from segment profiles, every word a checked claim.

A profile holds, per segment, the mean and median of each feature next to the population's, the
share of the segment in each lifecycle stage, and the business's rhythm (active_days,
lapsed_days: seeds of README "Lifecycle stages"). Names are composed only of the words of the
vocabulary (seeds/segment_name_vocabulary.csv): each word has a predicate over the profile, and a
word is used only where its predicate holds. The same predicates are evaluated in SQL by the
test name_claims_hold on the published profile, so a false word fails the build.

A name is "<frequency> buyers, <stage>" ("One-time buyers, lapsed"), or "Champions". Segments
that would share a name are told apart by the first optional word (spend, basket size, browsing,
email, refunds, tickets, tenure) whose truth differs between them, then by the comparatives
"higher-spend" / "lower-spend"; never by a number. Names carry with the segment id across refits
while every word still holds; overrides win over everything and are not checked.

A description opens with the segment's own figures in plain units ("2 orders, the last about a
year ago"), then what sets it apart from the segment most like it, then its ratios to the
population; no two open with the same clause.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from customer_segments.explain.rules import aligned_labels
from customer_segments.features import catalogue
from customer_segments.model.preprocess import numeric_column

NAME_COLUMNS = ("segment_id", "segment_name", "segment_description", "name_source")
SHRINK = 0.25  # scores use log((value + SHRINK * pop) / ((1 + SHRINK) * pop)): zero -> log(0.2)
MAX_LIFT = 20.0  # ... capped at log(MAX_LIFT)
SMALL_RATIO = 0.05  # below this a ratio reads badly ("0.01x"); show both values instead
LOW_SIDE_WEIGHT = 0.5  # how distinctive a low value of a HIGH_ONLY feature is, when ranking
MIN_LOG_LIFT = math.log(1.25)  # a trait counts when the lift is >= 1.25x or <= 0.8x


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


# the naming dimensions, in the order they are scored; the features that measure each (first
# available wins) and the sign that means "high" are the feature catalogue's
DIMENSION_ORDER = (
    "recency",
    "frequency",
    "monetary",
    "order_value",
    "tenure",
    "sessions",
    "email",
    "refunds",
    "tickets",
)


def catalogue_dimensions() -> dict[str, tuple[tuple[str, int], ...]]:
    """Return dimension -> ((feature, sign that means high), ...) from the feature catalogue."""
    entries = [entry for entry in catalogue().values() if entry.dimension is not None]
    unknown = sorted({entry.dimension for entry in entries} - set(DIMENSION_ORDER))
    if unknown:
        raise ValueError(
            f"the feature catalogue names dimensions {unknown} the naming does not know; "
            f"known: {', '.join(DIMENSION_ORDER)}"
        )
    return {
        dimension: tuple(
            (entry.name, entry.high_is)
            for entry in sorted(
                (entry for entry in entries if entry.dimension == dimension),
                key=lambda entry: entry.dimension_rank,
            )
        )
        for dimension in DIMENSION_ORDER
        if any(entry.dimension == dimension for entry in entries)
    }


DIMENSIONS = catalogue_dimensions()

LIFECYCLE_STAGES = ("new", "reactivated", "active", "at_risk", "lapsed")
VOCABULARY_PATH = Path(__file__).resolve().parents[2] / "seeds" / "segment_name_vocabulary.csv"
# (word for the highest, word for the lowest, the profile column compared): among segments whose
# names are the same once the pair's words are taken out (the test name_claims_hold does the same)
COMPARATIVES = (
    ("higher-spend", "lower-spend", "mean_net_spend"),
    ("more-frequent", "less-frequent", "mean_order_count"),
    ("less-recent", "more-recent", "mean_days_since_last_order"),
)
FREQUENCY_WORDS = ("one-time", "two-order", "frequent", "repeat")  # first that holds
STAGE_WORDS = ("new", "reactivated", "active", "lapsing", "lapsed")  # first that holds
# optional words, in the order they are tried to tell segments apart
OPTIONAL_SLOTS = ("spend", "basket", "sessions", "email", "refunds", "tickets", "tenure")
MAX_WORDS = 4

# features whose low values say little (most customers never refund or open a ticket)
HIGH_ONLY = frozenset(entry.name for entry in catalogue().values() if entry.high_only)

# feature -> (label, style); styles: days_ago, days, percent, ratio. Signed measures (activity
# trend) are left out: their ratios to the population say nothing.
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    entry.name: (entry.label, entry.style) for entry in catalogue().values() if not entry.is_signed
}


def _numeric(frame: pd.DataFrame, feature: str) -> pd.Series:
    """Return a feature column as float64 with NaN for null; ValueError if missing/non-numeric."""
    return pd.Series(numeric_column(frame, feature), index=frame.index)


def build_profile(
    frame: pd.DataFrame,
    segment: pd.Series,
    features: list[str],
    stages: pd.Series | None = None,
) -> pd.DataFrame:
    """Return one row per segment: size, share, per feature its mean/median and the population's.

    With stages (each customer's lifecycle stage), also share_<stage> for every stage.
    """
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
        "n_customers": sizes.to_numpy(dtype="int64"),
    }
    if stages is not None:
        stage = pd.Series(np.asarray(stages, dtype=object))
        for name in LIFECYCLE_STAGES:
            share = (stage == name).astype("float64").groupby(data["segment_id"]).mean()
            columns[f"share_{name}"] = share.reindex(sizes.index).to_numpy(dtype="float64")
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


@dataclass(frozen=True)
class Word:
    """A word of the name vocabulary: the slot it fills and its claim as a predicate."""

    word: str
    slot: str
    claim: str
    predicate: str


def load_vocabulary(table: pd.DataFrame | None = None) -> dict[str, Word]:
    """Return {word: Word} from a vocabulary table (default: seeds/segment_name_vocabulary.csv)."""
    if table is None:
        table = pd.read_csv(VOCABULARY_PATH, dtype=str, keep_default_na=False)
    for column in ("word", "slot", "claim", "predicate"):
        if column not in table.columns:
            raise ValueError(f"segment_name_vocabulary has no column {column!r}")
    words: dict[str, Word] = {}
    for row in table.itertuples(index=False):
        word = str(row.word).strip().lower()
        if word in words:
            raise ValueError(f"segment_name_vocabulary has the word {word!r} more than once")
        words[word] = Word(word, str(row.slot).strip(), str(row.claim), str(row.predicate))
    return words


def claim_frame(profile: pd.DataFrame, active_days: float, lapsed_days: float) -> pd.DataFrame:
    """Return the profile in the columns the predicates read (those of segment_profiles)."""
    frame = pd.DataFrame({"segment_id": profile["segment_id"].to_numpy()})
    frame["n_customers"] = (
        profile["n_customers"].to_numpy() if "n_customers" in profile.columns else 1
    )
    for feature in FEATURE_LABELS:
        mean = profile.get(f"{feature}__mean")
        median = profile.get(f"{feature}__median")
        population = profile.get(f"{feature}__population_mean")
        frame[f"mean_{feature}"] = np.nan if mean is None else mean.to_numpy(dtype="float64")
        frame[f"median_{feature}"] = np.nan if median is None else median.to_numpy(dtype="float64")
        if mean is None or population is None:
            frame[f"lift_{feature}"] = np.nan
        else:
            pop = population.to_numpy(dtype="float64")
            with np.errstate(divide="ignore", invalid="ignore"):
                frame[f"lift_{feature}"] = np.where(
                    pop != 0, mean.to_numpy("float64") / pop, np.nan
                )
    spend = profile.get("net_spend__population_median")
    frame["population_median_net_spend"] = np.nan if spend is None else spend.to_numpy("float64")
    for stage in LIFECYCLE_STAGES:
        share = profile.get(f"share_{stage}")
        frame[f"share_{stage}"] = np.nan if share is None else share.to_numpy(dtype="float64")
    frame["active_days"] = float(active_days)
    frame["lapsed_days"] = float(lapsed_days)
    frame["is_top_spender_of_namesakes"] = False
    frame["is_bottom_spender_of_namesakes"] = False
    return frame


def word_truths(frame: pd.DataFrame, vocabulary: dict[str, Word]) -> pd.DataFrame:
    """Return a boolean frame: one row per segment, one column per word (null claims are false)."""
    truths = {}
    for word in vocabulary.values():
        if word.slot == "comparative":
            continue
        value = frame.eval(word.predicate, engine="python")
        if np.isscalar(value):
            value = pd.Series(bool(value), index=frame.index)
        truths[word.word] = pd.Series(value, index=frame.index).fillna(False).astype(bool)
    return pd.DataFrame(truths, index=frame.index)


def name_words(name: str) -> list[str]:
    """Return the lower-case words of a name, commas dropped ("One-time buyers, lapsed")."""
    return name.replace(",", " ").lower().split()


def _first_true(truths: pd.Series, words: Sequence[str]) -> str | None:
    """Return the first word whose claim holds, or None."""
    return next((word for word in words if bool(truths.get(word, False))), None)


def _compose(parts: dict[str, str | None]) -> str:
    """Return "<comparative> <optional> <frequency> buyers, <stage>" with the first letter up.

    The stage "new" leads instead ("New one-time buyers").
    """
    stage = parts.get("stage")
    head = " ".join(
        word
        for word in (
            "new" if stage == "new" else None,
            parts.get("comparative"),
            parts.get("optional"),
            parts.get("frequency"),
        )
        if word
    )
    name = f"{head} buyers" if head else "buyers"
    if stage and stage != "new":
        name = f"{name}, {stage}"
    return name[0].upper() + name[1:]


def _slot_word(truths: pd.Series, vocabulary: dict[str, Word], slot: str) -> str | None:
    """Return the word of a slot whose claim holds for the segment (at most one per slot)."""
    return next(
        (w.word for w in vocabulary.values() if w.slot == slot and bool(truths.get(w.word))),
        None,
    )


def _tell_apart(
    keys: list[object],
    parts: dict[object, dict[str, str | None]],
    truths: pd.DataFrame,
    vocabulary: dict[str, Word],
    measures: dict[str, dict[object, float]],
    taken: dict[str, object],
) -> None:
    """Give segments that would share a name (or take a carried one) what tells them apart.

    Each round, every group of segments with the same name (with the carried holder of that
    name, if any) takes the optional slot whose true words differ most between them; a group no
    slot separates takes the next pair of comparatives (COMPARATIVES: the highest spender
    "higher-spend", the lowest "lower-spend"; then frequency, then recency); the ones in between
    are told apart in the next round.
    """
    for _ in range(2 * len(OPTIONAL_SLOTS) + 4):
        groups: dict[str, list[object]] = {}
        for key in keys:
            groups.setdefault(_compose(parts[key]).casefold(), []).append(key)
        clashes = [
            (name, members) for name, members in groups.items() if len(members) > 1 or name in taken
        ]
        if not clashes:
            return
        for name, members in clashes:
            holder = taken.get(name)
            tried = {slot for key in members if (slot := parts[key].get("slot"))}
            best = None
            for slot in OPTIONAL_SLOTS:
                if slot in tried:
                    continue
                values = [_slot_word(truths.loc[key], vocabulary, slot) for key in members]
                distinct = len(set(values)) + (holder is not None and any(values))
                if distinct > 1 and (best is None or distinct > best[0]):
                    best = (distinct, slot, values)
            if best is not None:
                for key, value in zip(members, best[2], strict=True):
                    parts[key]["slot"] = best[1]
                    if value is not None:
                        parts[key]["optional"] = value
                continue
            everyone = [*members, *([holder] if holder is not None else [])]
            bare = _compose({**parts[members[0]], "comparative": None}).casefold()
            used = {
                parts[key].get("comparative")
                for key in keys
                if _compose({**parts[key], "comparative": None}).casefold() == bare
            }
            pair = next(
                (pair for pair in COMPARATIVES if not {pair[0], pair[1]} & used), COMPARATIVES[-1]
            )
            top, bottom, measure = pair
            ranked = sorted(everyone, key=lambda key: (measures[measure].get(key, 0.0), str(key)))
            for key, word in ((ranked[-1], top), (ranked[0], bottom)):
                if key in parts:
                    parts[key]["comparative"] = word
                    if len(name_words(_compose(parts[key]))) > MAX_WORDS:
                        parts[key]["optional"] = None


def _claims_hold(name: str, truths: pd.Series, vocabulary: dict[str, Word]) -> bool:
    """Return True when every word of a name is a vocabulary word whose claim holds."""
    words = name_words(name)
    return bool(words) and all(
        word in vocabulary and vocabulary[word].slot != "comparative" and bool(truths.get(word))
        for word in words
    )


def derive_names(
    frame: pd.DataFrame,
    truths: pd.DataFrame,
    vocabulary: dict[str, Word],
    keys: list[object],
    taken: dict[str, object],
) -> dict[object, str]:
    """Return a unique name of true words for each key, avoiding the names already taken.

    taken maps each name already given (folded) to its segment, whose spend the comparatives
    are measured against.
    """
    measures = {
        column: {key: float(np.nan_to_num(frame.loc[key, column], nan=0.0)) for key in frame.index}
        for _, _, column in COMPARATIVES
    }
    spend = measures["mean_net_spend"]
    names: dict[object, str] = {}
    champions = [key for key in keys if bool(truths.loc[key].get("champions", False))]
    if champions and "champions" not in taken:
        winner = max(champions, key=lambda key: (spend[key], str(key)))
        names[winner] = "Champions"
    rest = [key for key in keys if key not in names]
    parts: dict[object, dict[str, str | None]] = {
        key: {
            "frequency": _first_true(truths.loc[key], FREQUENCY_WORDS),
            "stage": _first_true(truths.loc[key], STAGE_WORDS),
        }
        for key in rest
    }
    _tell_apart(rest, parts, truths, vocabulary, measures, taken)
    for key in rest:
        names[key] = _compose(parts[key])
    seen: dict[str, object] = dict(taken)
    for key, name in names.items():
        folded = name.casefold()
        if folded in seen:
            raise ValueError(
                f"segments {seen[folded]!r} and {key!r} cannot be told apart by the vocabulary "
                f"(both {name!r}); add a word to seeds/segment_name_vocabulary.csv or name one "
                "in seeds/segment_name_overrides.csv"
            )
        seen[folded] = key
    return names


PLURAL_LABELS = frozenset({"orders", "sessions", "support", "active"})


def _count(count: float) -> str:
    """Return a count as text: "2", "1.5", "15" (whole from 10 up)."""
    whole = float(count).is_integer() or abs(count) >= 10
    return f"{count:,.0f}" if whole else f"{count:.1f}"


def _plural(count: float, singular: str, plural: str | None = None) -> str:
    """Return "1 order", "2 orders", "1.5 orders"."""
    text = _count(count)
    return f"{text} {singular if count == 1 else (plural or singular + 's')}"


def when(days: float) -> str:
    """Return a day count as a person says it: "12 days ago", "about 3 months ago"."""
    if days < 14:
        return "today" if days == 0 else f"{_plural(round(days), 'day')} ago"
    if days < 60:
        return f"about {_plural(round(days / 7), 'week')} ago"
    months = round(days / 30.44)
    if months == 12:
        return "about a year ago"
    if days < 548:
        return f"about {_plural(months, 'month')} ago"
    years = round(days / 365.25 * 2) / 2
    return f"about {_plural(years, 'year')} ago"


def _money(value: float) -> str:
    """Return an amount: "1,240", "85", "9.5"."""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2g}"


def _summary(row: pd.Series) -> str:
    """Return the segment's own figures in plain units: "2 orders, the last about a year ago"."""
    orders = _finite(row.get("median_order_count"))
    days = _finite(row.get("median_days_since_last_order"))
    if orders is None or days is None:
        return "No orders measured"
    text = _plural(orders, "order")
    text += f", the last {when(days)}" if orders > 1 else f", {when(days)}"
    return text


# facts added to an opening clause that another segment shares, in order: (column, phrase)
EXTRA_FACTS: tuple[tuple[str, str], ...] = (
    ("median_net_spend", "{value} spent in all"),
    ("median_avg_order_value", "{value} an order"),
    ("median_tenure_days", "first order {when}"),
    ("median_sessions_90d", "{count} sessions in 90 days"),
    ("customer_share", "{percent} of customers"),
)


def _fact(row: pd.Series, column: str, phrase: str) -> str | None:
    """Return one extra plain fact about a segment, or None when not measured."""
    value = _finite(row.get(column))
    if value is None:
        return None
    return phrase.format(
        value=_money(value),
        when=when(value) if "when" in phrase else "",
        count=f"{value:.0f}",
        percent=f"{value:.0%}",
    )


# what a contrast says, per feature: phrase(value, other value)
def _contrast_phrase(feature: str, value: float, other: float) -> str:
    """Return "they came back once" / "their last order was 40 days ago, not about a year ago"."""
    if feature == "order_count":
        if other == 1 and value > 1:
            extra = value - 1
            if extra == 1:
                return "they came back once"
            return f"they came back, {_plural(extra, 'more order')}"
        if value == 1:
            return "they have not ordered again"
        return f"they have {_plural(value, 'order')}, not {_count(other)}"
    if feature == "net_spend":
        return f"they spent {_money(value)}, not {_money(other)}"
    if feature == "tenure_days":
        return f"their first order was {when(value)}, not {when(other)}"
    label, style = FEATURE_LABELS.get(feature, (feature.replace("_", " "), "ratio"))
    if style == "days_ago":
        return f"their {label} was {when(value)}, not {when(other)}"
    if style == "days":
        return f"their {label} is {value:,.0f} days, not {other:,.0f}"
    if style == "percent":
        return f"their {label} is {value:.0%}, not {other:.0%}"
    if feature in ("net_spend", "spend_90d", "avg_order_value"):
        return f"their {label} is {_money(value)}, not {_money(other)}"
    verb = "are" if label.split()[0] in PLURAL_LABELS else "is"
    return f"their {label} {verb} {_format_value(value)}, not {_format_value(other)}"


def _nearest(key: object, scores: dict[object, dict[str, float]]) -> object | None:
    """Return the segment most like this one: nearest in the dimension log lifts."""
    mine = scores[key]
    best: tuple[float, str, object] | None = None
    for other, theirs in scores.items():
        if other == key:
            continue
        shared = [d for d in mine if d in theirs]
        distance = math.sqrt(sum((mine[d] - theirs[d]) ** 2 for d in shared)) if shared else 0.0
        if best is None or (distance, str(other)) < best[:2]:
            best = (distance, str(other), other)
    return None if best is None else best[2]


# the plain-unit features a contrast is said in first, with the relative gap that counts
CONTRAST_FIRST: tuple[tuple[str, float], ...] = (
    ("order_count", 0.25),
    ("days_since_last_order", 0.25),
    ("net_spend", 0.25),
    ("tenure_days", 0.25),
)


def _contrast(key: object, other: object, frame: pd.DataFrame, lifts: dict) -> str | None:
    """Return what sets a segment apart from another: orders, recency, spend, tenure first.

    On medians: the first of CONTRAST_FIRST whose medians differ by more than its relative gap;
    else the feature whose lifts differ most.
    """
    for feature, gap in CONTRAST_FIRST:
        mine = _finite(frame.loc[key].get(f"median_{feature}"))
        theirs = _finite(frame.loc[other].get(f"median_{feature}"))
        if mine is None or theirs is None or mine == theirs:
            continue
        if abs(mine - theirs) > gap * max(abs(mine), abs(theirs)):
            return _contrast_phrase(feature, mine, theirs)
    best: tuple[float, str] | None = None
    for feature, lift in lifts[key].items():
        theirs = lifts[other].get(feature)
        if theirs is None or feature in HIGH_ONLY and max(lift.value, theirs.value) == 0:
            continue
        weight = LOW_SIDE_WEIGHT if feature in HIGH_ONLY else 1.0
        gap = weight * abs(lift.log - theirs.log)
        if best is None or gap > best[0]:
            best = (gap, feature)
    if best is None or best[0] < 1e-9:
        return None
    feature = best[1]
    basis = lifts[key][feature].basis
    return _contrast_phrase(
        feature, lifts[key][feature].value, float(frame.loc[other, f"{basis}_{feature}"])
    )


def describe_all(
    frame: pd.DataFrame,
    names: dict[object, str],
    lifts: dict[object, dict[str, Lift]],
    scores: dict[object, dict[str, float]],
) -> dict[object, str]:
    """Return a description per segment whose opening clause no other segment's shares."""
    openings = {key: _summary(frame.loc[key]) for key in frame.index}
    for column, phrase in EXTRA_FACTS:
        counts: dict[str, int] = {}
        for opening in openings.values():
            counts[opening.casefold()] = counts.get(opening.casefold(), 0) + 1
        clashing = [key for key, opening in openings.items() if counts[opening.casefold()] > 1]
        if not clashing:
            break
        for key in clashing:
            fact = _fact(frame.loc[key], column, phrase)
            if fact:
                openings[key] = f"{openings[key]}, {fact}"
    descriptions = {}
    for key in frame.index:
        parts = [openings[key]]
        other = _nearest(key, scores)
        contrast = None if other is None else _contrast(key, other, frame, lifts)
        if contrast:
            parts.append(f"unlike the “{names[other]}”, {contrast}")
        ratios = describe_segment(lifts[key]).rstrip(".")
        if not ratios.startswith("No feature"):
            parts.append(ratios[0].lower() + ratios[1:])
        descriptions[key] = "; ".join(parts) + "."
    return descriptions


def name_segments(
    profile: pd.DataFrame,
    previous_names: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
    *,
    vocabulary: dict[str, Word] | None = None,
    active_days: float = 90,
    lapsed_days: float = 365,
) -> pd.DataFrame:
    """Return a unique, true name, a contrasting description and its source for every segment."""
    if "segment_id" not in profile.columns:
        raise ValueError("profile has no column 'segment_id'")
    if profile["segment_id"].isna().any():
        raise ValueError("profile has null segment_id values")
    keys = [_key(value) for value in profile["segment_id"]]
    if len(set(keys)) != len(keys):
        raise ValueError("profile has duplicate segment_id values; expected one row per segment")
    if len(profile) == 0:
        return pd.DataFrame(columns=list(NAME_COLUMNS))
    vocabulary = load_vocabulary() if vocabulary is None else vocabulary

    order = sorted(range(len(keys)), key=keys.__getitem__)
    profile = profile.iloc[order].reset_index(drop=True)
    keys = [keys[position] for position in order]
    features = profile_features(profile)
    frame = claim_frame(profile, active_days, lapsed_days)
    frame.index = pd.Index(keys, dtype=object)
    if "share" in profile.columns:
        frame["customer_share"] = profile["share"].to_numpy(dtype="float64")
    truths = word_truths(frame, vocabulary)
    rows = {key: profile.iloc[position] for position, key in enumerate(keys)}
    lifts = {key: segment_lifts(row, features) for key, row in rows.items()}
    scores = {key: dimension_scores(value) for key, value in lifts.items()}
    result: dict[object, dict[str, str | None]] = {
        key: {"name": None, "description": None, "source": "derived"} for key in keys
    }

    owner: dict[str, object] = {}
    custom_descriptions: dict[object, str] = {}
    for key, (name, description) in _read_names(overrides, "overrides").items():
        if key not in result:
            continue
        if name.casefold() in owner:
            raise ValueError(
                f"overrides give the name {name!r} to segment_id {owner[name.casefold()]!r} "
                f"and {key!r}; names must be unique"
            )
        owner[name.casefold()] = key
        result[key]["name"], result[key]["source"] = name, "override"
        if description is not None:
            custom_descriptions[key] = description
    taken: dict[str, object] = dict(owner)

    previous = _read_names(previous_names, "previous_names")
    for key in keys:
        if key in previous and result[key]["name"] is None:
            name = previous[key][0]
            if name.casefold() not in taken and _claims_hold(name, truths.loc[key], vocabulary):
                result[key]["name"], result[key]["source"] = name, "carried"
                taken[name.casefold()] = key

    pending = [key for key in keys if result[key]["name"] is None]
    for key, name in derive_names(frame, truths, vocabulary, pending, taken).items():
        result[key]["name"] = name
    # A carried name that today's derivation gives anyway is 'derived': a rerun on the same data
    # then publishes the same profiles, and 'carried' marks only the names that history kept.
    carried = [key for key in keys if result[key]["source"] == "carried"]
    if carried:
        unowned = [key for key in keys if result[key]["source"] != "override"]
        fresh = derive_names(frame, truths, vocabulary, unowned, dict(owner))
        for key in carried:
            if fresh.get(key) == result[key]["name"]:
                result[key]["source"] = "derived"

    names = {key: str(result[key]["name"]) for key in keys}
    descriptions = describe_all(frame, names, lifts, scores)
    return pd.DataFrame(
        {
            "segment_id": profile["segment_id"].to_numpy(),
            "segment_name": [names[key] for key in keys],
            "segment_description": [
                custom_descriptions.get(key, descriptions[key]) for key in keys
            ],
            "name_source": [result[key]["source"] for key in keys],
        },
        columns=list(NAME_COLUMNS),
    )

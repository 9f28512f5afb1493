"""Names that are true: every word of a derived name is a claim the build checks.

On the built sample, false names planted in the candidate profiles are refused by the test
name_claims_hold, word by word (real dbt CLI, real DuckDB file). The same claims on the realistic
generator profile are checked in test_realistic.py, on the builds that module shares; the helpers
for them (profile_truths, pandas_stages) live here.
"""

import numpy as np
import pandas as pd
from conftest import SEEDS, connect, query, run_dbt

from customer_segments.explain.naming import (
    COMPARATIVES,
    load_vocabulary,
    word_truths,
)

CHECK = ["--select", "profile_name_claims_hold", "--store-failures"]
COMPARATIVE_WORDS = {word for pair in COMPARATIVES for word in pair[:2]}


def profile_truths(db_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published profiles and, per segment and word, whether the word's claim holds.

    Evaluated in pandas on segment_profiles' own columns (the predicates are written over them),
    independent of the SQL test.
    """
    profiles = query(db_path, "select * from candidate_segment_profiles order by segment_id")
    thresholds = query(db_path, "select active_days, lapsed_days from int_lifecycle_thresholds")
    frame = profiles.copy()
    frame["active_days"] = float(thresholds["active_days"].iloc[0])
    frame["lapsed_days"] = float(thresholds["lapsed_days"].iloc[0])
    truths = word_truths(frame, load_vocabulary())
    truths.index = profiles["segment_id"].to_numpy()
    return profiles, truths


def plant_names(db_path, names: dict[int, str], overridden: int | None = None) -> None:
    """Overwrite segment names (and one name_source) in the built candidate profiles."""
    with connect(db_path, read_only=False) as connection:
        for segment_id, name in names.items():
            connection.execute(
                "update candidate_segment_profiles set segment_name = ? where segment_id = ?",
                [name, segment_id],
            )
        if overridden is not None:
            connection.execute(
                "update candidate_segment_profiles set name_source = 'override' "
                "where segment_id = ?",
                [overridden],
            )


def test_every_false_claim_is_refused(warehouse_copy):
    profiles, truths = profile_truths(warehouse_copy)
    ids = profiles["segment_id"].tolist()
    # the real build's names hold: the check passes as built
    assert run_dbt(warehouse_copy, command="test", extra=CHECK).ok
    # plant every non-comparative word on a segment where it is false
    planted: dict[int, list[str]] = {segment_id: [] for segment_id in ids}
    expected = set()
    vocabulary = load_vocabulary()
    for word in vocabulary:
        if word in COMPARATIVE_WORDS:
            continue
        false_for = [segment_id for segment_id in ids if not truths.loc[segment_id, word]]
        if not false_for:
            continue  # e.g. "buyers": true of every segment
        target = min(false_for, key=lambda segment_id: len(planted[segment_id]))
        planted[target].append(word)
        expected.add((target, word))
    assert len(expected) >= 15
    # an unknown word on one segment, and an override that is not checked
    unknown_target, overridden = ids[0], ids[-1]
    planted[unknown_target].append("flourishing")
    expected.add((unknown_target, "flourishing"))
    planted[overridden].append("champions" if not truths.loc[overridden, "champions"] else "new")
    expected = {(segment_id, word) for segment_id, word in expected if segment_id != overridden}
    names = {
        segment_id: " ".join([*words, "buyers"]) for segment_id, words in planted.items() if words
    }
    plant_names(warehouse_copy, names, overridden=overridden)
    result = run_dbt(warehouse_copy, command="test", extra=CHECK, check=False)
    assert not result.ok
    failures = query(warehouse_copy, "select * from main_dbt_test__audit.profile_name_claims_hold")
    found = set(zip(failures["segment_id"], failures["word"].str.strip(), strict=True))
    assert found == expected


def test_comparatives_are_refused_when_reversed(warehouse_copy):
    profiles = query(
        warehouse_copy,
        "select segment_id, mean_net_spend from candidate_segment_profiles order by mean_net_spend",
    )
    low, high = int(profiles["segment_id"].iloc[0]), int(profiles["segment_id"].iloc[-1])
    right = {high: "Higher-spend buyers", low: "Lower-spend buyers"}
    plant_names(warehouse_copy, right)
    assert run_dbt(warehouse_copy, command="test", extra=CHECK).ok
    plant_names(warehouse_copy, {high: "Lower-spend buyers", low: "Higher-spend buyers"})
    assert not run_dbt(warehouse_copy, command="test", extra=CHECK, check=False).ok
    failures = query(warehouse_copy, "select * from main_dbt_test__audit.profile_name_claims_hold")
    assert set(failures["word"]) == {"higher-spend", "lower-spend"}


def pandas_stages(orders: pd.DataFrame, as_of: pd.Timestamp, thresholds: pd.Series) -> pd.Series:
    """Each customer's lifecycle stage at as_of, recomputed from the orders in pandas."""
    purchases = orders[(orders["amount"] >= 0) & (orders["order_date"] <= as_of)]
    days = purchases[["customer_id", "order_date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "order_date"])
    days["gap"] = days.groupby("customer_id")["order_date"].diff().dt.days
    last = days.groupby("customer_id").tail(1).set_index("customer_id")
    first = days.groupby("customer_id")["order_date"].min()
    since = (as_of - last["order_date"]).dt.days
    tenure = (as_of - first).dt.days.reindex(last.index)
    active, lapsed = int(thresholds["active_days"]), int(thresholds["lapsed_days"])
    stage = np.select(
        [
            tenure <= active,
            (since <= active) & (last["gap"] > lapsed),
            since <= active,
            since <= lapsed,
        ],
        ["new", "reactivated", "active", "at_risk"],
        "lapsed",
    )
    return pd.Series(stage, index=last.index)


def test_seed_texts_hold_no_single_quote():
    """dbt-spark loads seeds with literal SQL strings and does not escape a quote in them."""
    for path in SEEDS.glob("*.csv"):
        if path.name.startswith("raw_"):
            continue
        assert "'" not in path.read_text(encoding="utf-8"), path.name

"""Names that are true: every word of a derived name is a claim the build checks.

On the built sample, false names planted in the candidate profiles are refused by the test
name_claims_hold, word by word (real dbt CLI, real DuckDB file). On the realistic generator
profile (two seeds, orders only and with events) the names are unique, carry no number, keep to
four words, every word holds, descriptions open differently, and the lifecycle stages and their
thresholds match an independent pandas recomputation from the orders file.
"""

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS, generate, query, run_dbt

from customer_segments.explain.naming import (
    COMPARATIVES,
    load_vocabulary,
    name_words,
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
    with duckdb.connect(str(db_path)) as connection:
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


# ----------------------------------------------------------------------------- realistic

CUSTOMERS = 20_000
CASES = [(seed, events) for seed in (1, 2) for events in (False, True)]


def case_id(case) -> str:
    seed, events = case
    return f"seed{seed}-{'events' if events else 'orders-only'}"


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    """Four realistic warehouses (20k customers, seeds 1 and 2, with and without events)."""
    builds = {}
    for seed in (1, 2):
        data = tmp_path_factory.mktemp(f"names_data{seed}")
        generate(data, customers=CUSTOMERS, seed=seed, profile="realistic", file_format="parquet")
        for events in (False, True):
            dbt_vars = {"orders_location": str(data / "orders.parquet")}
            if events:
                dbt_vars["events_location"] = str(data / "events.parquet")
            db_path = tmp_path_factory.mktemp(f"names{seed}{events}") / "names.duckdb"
            result = run_dbt(db_path, dbt_vars=dbt_vars)
            assert "Completed successfully" in result.output
            builds[(seed, events)] = (db_path, data)
    return builds


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_realistic_names_are_true_unique_and_unnumbered(realistic, case):
    db_path, _ = realistic[case]
    profiles, truths = profile_truths(db_path)
    published = query(db_path, "select segment_id, segment_name from segment_profiles")
    assert sorted(published["segment_name"]) == sorted(profiles["segment_name"])
    names = profiles["segment_name"]
    assert names.str.casefold().is_unique
    assert not names.str.contains(r"\d|\(", regex=True).any(), names.tolist()
    assert (names.map(lambda name: len(name.split())) <= 4).all(), names.tolist()
    for segment_id, name in zip(profiles["segment_id"], names, strict=True):
        for word in name_words(name):
            if word not in COMPARATIVE_WORDS:
                assert truths.loc[segment_id, word], (name, word)
    print(profiles[["segment_name", "customer_share", "segment_description"]].to_string())


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_realistic_descriptions_contrast(realistic, case):
    db_path, _ = realistic[case]
    profiles = query(db_path, "select segment_name, segment_description from segment_profiles")
    openings = profiles["segment_description"].map(lambda text: text.split(";")[0].casefold())
    assert openings.is_unique, openings.tolist()
    others = set(profiles["segment_name"])
    for name, description in zip(profiles["segment_name"], profiles["segment_description"]):
        assert not description.startswith(("Average", "Median")), description
        contrasted = [other for other in others - {name} if f"unlike the “{other}”" in description]
        assert len(contrasted) == 1, description


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


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES[:2], ids=case_id)
def test_realistic_lifecycle_matches_pandas(realistic, case):
    db_path, data = realistic[case]
    thresholds = query(db_path, "select * from segment_lifecycle_thresholds").iloc[0]
    orders = pd.read_parquet(data / "orders.parquet")
    orders["order_date"] = pd.to_datetime(orders["ordered_at"], utc=True).dt.tz_localize(None)
    orders["order_date"] = orders["order_date"].dt.normalize()
    as_of = pd.Timestamp(thresholds["as_of_date"])
    purchases = orders[(orders["amount"] >= 0) & (orders["order_date"] <= as_of)]
    days = purchases[["customer_id", "order_date"]].drop_duplicates()
    gaps = days.sort_values(["customer_id", "order_date"]).groupby("customer_id")["order_date"]
    gaps = gaps.diff().dt.days.dropna()
    assert thresholds["threshold_source"] == "derived"
    assert thresholds["n_repeat_gaps"] == len(gaps)
    assert thresholds["active_days"] == np.ceil(gaps.quantile(0.8))
    assert thresholds["lapsed_days"] == np.ceil(gaps.quantile(0.95))
    membership = query(db_path, "select customer_id, lifecycle_stage from segment_membership")
    expected = pandas_stages(orders, as_of, thresholds)
    got = membership.set_index("customer_id")["lifecycle_stage"]
    assert (got.sort_index() == expected.reindex(got.index).sort_index()).all()
    assert set(got) <= {"new", "reactivated", "active", "at_risk", "lapsed"}
    transitions = query(db_path, "select * from segment_lifecycle_transitions")
    sums = transitions.groupby(["from_as_of_date", "from_lifecycle_stage"])["transition_rate"].sum()
    assert np.allclose(sums, 1.0)


def test_seed_texts_hold_no_single_quote():
    """dbt-spark loads seeds with literal SQL strings and does not escape a quote in them."""
    for path in SEEDS.glob("*.csv"):
        if path.name.startswith("raw_"):
            continue
        assert "'" not in path.read_text(encoding="utf-8"), path.name

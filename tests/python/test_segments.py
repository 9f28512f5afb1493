"""The segment model in the built sample warehouse: SQL scoring, registry, membership."""

import json

import numpy as np
import pandas as pd
from conftest import query, run_dbt

from customer_segments.model.segment_model import SegmentModel


def latest_model(db_path) -> SegmentModel:
    """The most recently registered model of a warehouse."""
    registry = query(
        db_path,
        "select model_json from segment_model_registry order by registered_at desc limit 1",
    )
    return SegmentModel.from_json(registry["model_json"].iloc[0])


def test_sql_scoring_agrees_with_sklearn(sample_warehouse):
    model = latest_model(sample_warehouse)
    features = query(
        sample_warehouse, "select * from feat_customer_features order by customer_id, as_of_date"
    )
    scores = query(
        sample_warehouse, "select * from int_segment_scores order by customer_id, as_of_date"
    )
    assert len(scores) == len(features)
    expected = model.to_sklearn().predict_proba(model.mixture_input(features))
    columns = [f"probability_segment_{segment_id}" for segment_id in model.segment_ids]
    actual = scores[columns].to_numpy()
    difference = np.abs(actual - expected).max()
    top_expected = np.asarray(model.segment_ids)[expected.argmax(axis=1)]
    ordered = np.sort(expected, axis=1)
    exact_tie = (
        ordered[:, -1] == ordered[:, -2] if expected.shape[1] > 1 else np.zeros(len(expected), bool)
    )
    mismatched = (scores["top_segment_id"].to_numpy() != top_expected) & ~exact_tie
    print(
        f"\nSQL vs sklearn predict_proba: {len(scores)} rows, max abs difference {difference:.2e}"
    )
    assert difference < 1e-6
    assert not mismatched.any()


def test_registry_holds_a_complete_model(sample_warehouse):
    registry = query(sample_warehouse, "select * from segment_model_registry")
    assert len(registry) == 1
    row = registry.iloc[0]
    model = SegmentModel.from_json(row["model_json"])
    assert model.model_version == row["model_version"] == model.expected_version()
    assert row["n_segments"] == len(model.segment_ids) == len(model.weights)
    assert json.loads(row["features_json"]) == model.prep["features"]
    for key in ("fill_value", "lower", "upper", "center", "scale"):
        assert len(model.prep[key]) == len(model.prep["features"])
    selection = query(sample_warehouse, "select * from segment_model_selection")
    chosen = selection[selection["is_chosen"]]
    assert len(chosen) == 1
    assert chosen["k"].iloc[0] == len(model.segment_ids)
    assert chosen["covariance_type"].iloc[0] == model.covariance_type
    assert chosen["segment_space"].iloc[0] == model.space
    # The chosen k: the smallest whose BIC per customer is within k_tolerance of the lowest.
    space = selection[selection["segment_space"] == model.space]
    eligible = space[space["rejected_reason"].isna()]
    tolerance = model.config["k_tolerance"] * model.sample_size
    assert chosen["bic"].iloc[0] <= eligible["bic"].min() + tolerance
    assert (
        eligible.loc[eligible["k"] < chosen["k"].iloc[0], "bic"] > eligible["bic"].min() + tolerance
    ).all()
    for segment_space in set(selection["segment_space"]):
        assert set(selection.loc[selection["segment_space"] == segment_space, "k"]) >= set(
            range(1, 11)
        )
    print("\nmodel selection (BIC):")
    print(
        selection[
            [
                "k",
                "covariance_type",
                "bic",
                "silhouette",
                "smallest_share",
                "rejected_reason",
                "is_chosen",
            ]
        ].to_string()
    )


def test_membership_is_one_row_per_customer_with_consistent_probabilities(sample_warehouse):
    membership = query(sample_warehouse, "select * from segment_membership")
    latest = query(
        sample_warehouse,
        "select customer_id from feat_customer_features where is_latest_as_of_date",
    )
    assert membership["customer_id"].is_unique
    assert set(membership["customer_id"]) == set(latest["customer_id"])
    assert membership["segment_probability"].between(0, 1).all()
    shares = membership["segment_id"].value_counts(normalize=True)
    assert abs(shares.sum() - 1.0) < 1e-12
    assert (
        membership["runner_up_probability"].fillna(0) <= membership["segment_probability"] + 0.01
    ).all()
    print(f"\nsegment shares:\n{shares.sort_index().round(3).to_string()}")


def test_refit_false_scores_without_fitting_and_keeps_membership(warehouse_copy, sample_warehouse):
    before = query(sample_warehouse, "select * from segment_membership order by customer_id")
    result = run_dbt(warehouse_copy, dbt_vars={"refit": False})
    assert "refit is false" in result.output
    registry = query(warehouse_copy, "select * from segment_model_registry")
    assert len(registry) == 1
    after = query(warehouse_copy, "select * from segment_membership order by customer_id")
    pd.testing.assert_frame_equal(before, after)


def test_refit_with_other_initializations_keeps_segment_ids(warehouse_copy, sample_warehouse):
    """A refit with another seed (other EM starts, components in another order) keeps the ids.

    Other starts may also find one more segment (BIC decides again); then lineage says which
    segment it split from, and every earlier segment still carries its id.
    """
    before = query(
        sample_warehouse, "select customer_id, segment_id, is_holdout from segment_membership"
    )
    run_dbt(warehouse_copy, dbt_vars={"seed": 1234})
    registry = query(warehouse_copy, "select * from segment_model_registry order by registered_at")
    latest = registry["model_version"].iloc[-1]
    lineage = query(
        warehouse_copy, f"select * from segment_lineage where model_version = '{latest}'"
    )
    after = query(
        warehouse_copy, "select customer_id, segment_id, is_holdout from segment_membership"
    )
    joined = before.merge(after, on="customer_id", suffixes=("_before", "_after"))
    # The holdout never follows the segment: the same customers are held out after the refit.
    assert len(joined) == len(before) == len(after)
    assert (joined["is_holdout_before"] == joined["is_holdout_after"]).all()
    kept = (joined["segment_id_before"] == joined["segment_id_after"]).mean()
    events = lineage["event"].value_counts().to_dict() if len(registry) == 2 else "same model"
    print(
        f"\nrefit with seed 1234: lineage {events}; {kept:.1%} of customers keep their segment id"
    )
    previous_ids = set(before["segment_id"])
    if len(registry) == 2:
        carried = set(lineage.loc[lineage["event"] == "carried_over", "segment_id"])
        assert carried == previous_ids
        assert set(lineage["event"]) <= {"carried_over", "split"}
        split_from = set(lineage.loc[lineage["event"] == "split", "related_segment_id"])
        assert split_from <= previous_ids
    assert kept >= 0.85

"""Recovery of the generator's planted groups at 50k customers, printed as figures."""

import numpy as np
import pandas as pd
import pytest
from conftest import generate, query, run_dbt
from sklearn.metrics import adjusted_rand_score

from customer_segments.model.segment_model import SegmentModel, fit_segment_model

CUSTOMERS = 50_000


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """50k generated customers built end to end from Parquet files; the truth kept aside."""
    root = tmp_path_factory.mktemp("planted")
    data = root / "data"
    generate(data, customers=CUSTOMERS, seed=11, file_format="parquet")
    db_path = root / "planted.duckdb"
    dbt_vars = {
        "orders_location": str(data / "orders.parquet"),
        "customers_location": str(data / "customers.parquet"),
        "events_location": str(data / "events.parquet"),
    }
    run_dbt(db_path, dbt_vars=dbt_vars)
    truth = pd.read_parquet(data / "true_groups.parquet")
    return db_path, truth


@pytest.mark.slow
def test_segments_recover_planted_groups(planted):
    db_path, truth = planted
    membership = query(
        db_path, "select customer_id, segment_id, segment_name from segment_membership"
    )
    joined = membership.merge(truth, on="customer_id")
    assert len(joined) == len(membership)
    ari = adjusted_rand_score(joined["true_group"], joined["segment_id"])
    crosstab = pd.crosstab(joined["true_group"], joined["segment_name"])
    print(f"\nARI segments vs planted groups at {CUSTOMERS} customers: {ari:.3f}\n{crosstab}")
    assert ari >= 0.9


@pytest.mark.slow
def test_refits_on_other_samples_are_stable(planted):
    db_path, _ = planted
    registry = query(db_path, "select model_json from segment_model_registry")
    first = SegmentModel.from_json(registry["model_json"].iloc[-1])
    # On the planted groups the feature space separates what customers do next far better than
    # the outcome space (the groups differ in every feature), so segment_space auto chose it.
    assert first.space == "features", first.validation
    features = query(
        db_path,
        "select * from feat_customer_features where is_latest_as_of_date order by customer_id",
    )
    reference = first.to_sklearn().predict(first.mixture_input(features))
    scores = []
    for seed in (101, 202, 303):
        sample = features.sample(n=20_000, random_state=seed)
        refit = fit_segment_model(
            sample,
            {**first.config, "seed": seed, "segment_space": "features"},
            previous=None,
            log=lambda _: None,
        )
        labels = refit.to_sklearn().predict(refit.mixture_input(features))
        scores.append(adjusted_rand_score(reference, labels))
    print(
        f"\nstability: ARI of refits on three other 20k samples vs the first: {np.round(scores, 3)}"
    )
    assert min(scores) >= 0.85


@pytest.mark.slow
def test_rules_are_faithful_on_planted_groups(planted):
    db_path, _ = planted
    rules = query(db_path, "select * from segment_rules order by rule_id")
    fidelity = rules["tree_fidelity"].iloc[0]
    print(f"\ntree fidelity at depth 4: {fidelity:.3f}; {len(rules)} rules")
    print(rules[["rule_id", "segment_name", "rule_text", "support", "rule_precision"]].to_string())
    assert fidelity >= 0.9

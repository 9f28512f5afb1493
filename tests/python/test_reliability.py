"""Faults on purpose: failed tests and fits leave the published tables intact; reruns; readers."""

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
from conftest import SEEDS, connect, query, run_dbt

from customer_segments.model.drift import population_stability_index

PUBLISHED = ["segment_membership", "segment_profiles", "segment_rules", "segment_history"]


def published_state(db_path) -> dict[str, pd.DataFrame]:
    """Every published table of a warehouse, sorted, for before/after comparisons."""
    return {table: query(db_path, f"select * from {table} order by all") for table in PUBLISHED}


def readers_path(db_path):
    """The readers' copy written after a green build."""
    return db_path.with_name(db_path.stem + "_published.duckdb")


def assert_same(before: dict, after: dict) -> None:
    """Assert two published states are identical table by table."""
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def test_a_failing_test_keeps_the_last_good_tables(warehouse_copy, tmp_path):
    """Half the customers vanish from the input: the shrink guard fails, nothing is published."""
    before = published_state(warehouse_copy)
    readers_before = readers_path(warehouse_copy).read_bytes()
    orders = pd.read_csv(SEEDS / "raw_orders.csv", dtype=str)
    kept = orders[orders["customer_id"].str[-1].isin(list("01234"))]
    kept.to_csv(tmp_path / "orders.csv", index=False)
    result = run_dbt(
        warehouse_copy,
        dbt_vars={
            "orders_location": str(tmp_path / "orders.csv"),
            "events_location": str(SEEDS / "raw_events.csv"),
        },
        check=False,
    )
    assert not result.ok
    assert "assert_membership_does_not_shrink" in result.output
    assert "SKIP relation main_segments.segment_membership" in result.output
    assert_same(before, published_state(warehouse_copy))
    assert readers_path(warehouse_copy).read_bytes() == readers_before
    # The same input goes through when the shrink is allowed explicitly.
    allowed = run_dbt(
        warehouse_copy,
        dbt_vars={
            "orders_location": str(tmp_path / "orders.csv"),
            "events_location": str(SEEDS / "raw_events.csv"),
            "allow_membership_shrink": True,
        },
    )
    assert allowed.ok
    membership = query(readers_path(warehouse_copy), "select count(*) as n from segment_membership")
    assert membership["n"].iloc[0] < len(before["segment_membership"])


def test_a_fit_that_raises_keeps_the_last_good_tables(warehouse_copy):
    before = published_state(warehouse_copy)
    registry_before = query(warehouse_copy, "select model_version from segment_model_registry")
    result = run_dbt(warehouse_copy, dbt_vars={"min_fit_customers": 10_000_000}, check=False)
    assert not result.ok
    assert "segment fit needs at least 10000000 customers" in result.output
    assert_same(before, published_state(warehouse_copy))
    registry_after = query(warehouse_copy, "select model_version from segment_model_registry")
    pd.testing.assert_frame_equal(registry_before, registry_after)


def exported_bytes(db_path) -> dict[str, bytes]:
    """The files of the current export run, by name."""
    current = db_path.with_name(db_path.stem + "_published_exports") / "current"
    return {path.name: path.read_bytes() for path in sorted(current.resolve().iterdir())}


def test_rerun_is_identical_and_appends_nothing(warehouse_copy, sample_warehouse):
    before = published_state(warehouse_copy)
    exports_before = exported_bytes(sample_warehouse)
    snapshots_before = query(warehouse_copy, "select * from segment_snapshots order by all")
    registry_before = query(warehouse_copy, "select * from segment_model_registry order by all")
    run_dbt(warehouse_copy)
    assert_same(before, published_state(warehouse_copy))
    exports_after = exported_bytes(warehouse_copy)
    assert sorted(exports_after) == sorted(exports_before)
    for name in ("segment_membership", "segment_profiles", "segment_rules"):
        for extension in ("csv", "parquet"):
            file_name = f"{name}.{extension}"
            assert exports_after[file_name] == exports_before[file_name], file_name
    changes = query(warehouse_copy, "select count(*) as n from segment_membership_changes")
    assert changes["n"].iloc[0] == 0
    pd.testing.assert_frame_equal(
        snapshots_before, query(warehouse_copy, "select * from segment_snapshots order by all")
    )
    pd.testing.assert_frame_equal(
        registry_before, query(warehouse_copy, "select * from segment_model_registry order by all")
    )
    # The incremental Python model's staging table is gone: nothing new where BI users browse.
    staged = query(
        warehouse_copy,
        "select table_schema, table_name from information_schema.tables "
        "where table_name like '%dbt_tmp%'",
    )
    assert staged.empty, staged.to_dict("records")


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    reads, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        with duckdb.connect(path, read_only=True) as connection:
            members = connection.sql("select count(*) from segment_membership").fetchall()[0][0]
            profiled = connection.sql(
                "select sum(n_customers) from segment_profiles").fetchall()[0][0]
            if members == 0 or members != profiled:
                print(f"inconsistent read: {members} members, {profiled} profiled")
                sys.exit(1)
        reads += 1
    print(f"reads={reads}")
    """
)


def test_readers_never_fail_during_a_build(warehouse_copy):
    """A dashboard process reads the readers' file in a loop while a build rewrites it."""
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(readers_path(warehouse_copy)), "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1)
    started = time.time()
    run_dbt(warehouse_copy, dbt_vars={"seed": 7})
    output, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0, output
    reads = int(output.strip().split("=")[-1])
    print(f"\nreader: {reads} consistent reads while a {time.time() - started:.0f} s build ran")
    assert reads > 10


def test_drift_warns_and_can_block_publishing(warehouse_copy, tmp_path):
    """Spend five times higher: PSI flags the money features; warn by default, error on demand."""
    orders = pd.read_csv(SEEDS / "raw_orders.csv", dtype={"amount": float})
    orders["amount"] = (orders["amount"] * 5).round(2)
    orders.to_csv(tmp_path / "orders.csv", index=False)
    inputs = {
        "orders_location": str(tmp_path / "orders.csv"),
        "events_location": str(SEEDS / "raw_events.csv"),
        "customers_location": str(SEEDS / "raw_customers.csv"),
        "refit": False,
    }
    before = published_state(warehouse_copy)
    blocked = run_dbt(warehouse_copy, dbt_vars={**inputs, "drift_severity": "error"}, check=False)
    assert not blocked.ok
    assert "drift_feature_psi" in blocked.output
    assert_same(before, published_state(warehouse_copy))

    warned = run_dbt(warehouse_copy, dbt_vars=inputs, extra=["--store-failures"])
    assert "WARN" in warned.output and "drift_feature_psi" in warned.output
    flagged = query(warehouse_copy, "select * from main_dbt_test__audit.drift_feature_psi")
    registry = query(
        warehouse_copy,
        "select feature_reference_json from segment_model_registry "
        "order by registered_at desc limit 1",
    )
    reference = json.loads(registry["feature_reference_json"].iloc[0])
    features = query(
        warehouse_copy, "select * from feat_customer_features where is_latest_as_of_date"
    )
    for row in flagged.itertuples():
        bins = reference[row.feature_name]
        values = features[row.feature_name].astype("float64").fillna(bins["fill_value"]).to_numpy()
        index = np.searchsorted(bins["edges"], values, side="left")
        actual = np.bincount(index, minlength=len(bins["shares"])) / len(values)
        expected_psi = population_stability_index(np.array(bins["shares"]), actual)
        assert abs(expected_psi - row.population_stability_index) < 1e-9
    assert {"net_spend", "avg_order_value"} <= set(flagged["feature_name"])
    psi = flagged.set_index("feature_name")["population_stability_index"].round(2).to_dict()
    print(f"\ndrift: PSI flagged {psi}")


def test_share_drift_is_tested_on_the_candidate_before_publishing(warehouse_copy):
    """Readers' membership planted all in one segment: the candidate's shares differ from it by far
    more than drift_max_share_change, so the test fires before publishing; with drift_severity:
    error nothing is published (the planted membership stays), by default it warns."""
    with connect(warehouse_copy, read_only=False) as connection:
        planted = connection.sql("select min(segment_id) from segment_membership").fetchone()[0]
        connection.execute(
            "update segment_membership set segment_id = ?, previous_segment_id = null, "
            "previous_segment_name = null",
            [planted],
        )
    before = published_state(warehouse_copy)
    blocked = run_dbt(warehouse_copy, dbt_vars={"drift_severity": "error"}, check=False)
    assert not blocked.ok
    assert "drift_segment_share_change" in blocked.output
    assert_same(before, published_state(warehouse_copy))

    warned = run_dbt(warehouse_copy, extra=["--store-failures"])
    assert "WARN" in warned.output and "drift_segment_share_change" in warned.output
    flagged = query(
        warehouse_copy, "select * from main_dbt_test__audit.drift_segment_share_change"
    ).set_index("segment_id")
    assert flagged.loc[planted, "previous_share"] == 1.0
    assert flagged.loc[planted, "latest_share"] < 0.9
    membership = query(warehouse_copy, "select segment_id from segment_membership")
    assert membership["segment_id"].nunique() > 1  # published after the warning

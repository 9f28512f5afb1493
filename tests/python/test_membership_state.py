"""What a rebuild does with the membership readers already have, checked against pandas.

One rebuild of the built sample (refit: false) on a planted published membership covers:
anti-flapping (switch_margin), is_ambiguous, segment_entered_at and previous_segment_id, the
entered / changed / removed rows of the change feed, a name from the overrides seed, inputs read
from warehouse tables (raw_schema) instead of the seeds, and the readers' file and sync files at
paths set by vars. Every expectation is recomputed in pandas from the scores and the plant.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import connect, query, run_dbt

SWITCH_MARGIN = 0.10  # dbt_project.yml's default
AMBIGUITY_MARGIN = 0.10
PLANTED_ENTERED_AT = pd.Timestamp("2020-01-01")
OVERRIDE_NAME = "Weekend regulars"
RAW_TABLES = {"orders_table": "raw_orders", "customers_table": "raw_customers"}


def latest_scores(db_path) -> pd.DataFrame:
    return query(
        db_path,
        """
        select scores.*
        from int_segment_scores as scores
        inner join int_as_of_dates using (as_of_date)
        where int_as_of_dates.is_latest
        order by customer_id
        """,
    ).set_index("customer_id")


@pytest.fixture(scope="module")
def rebuilt(sample_warehouse, tmp_path_factory):
    """The plant, the rebuild, and what pandas expects of it."""
    root = tmp_path_factory.mktemp("membership_state")
    db_path = root / "state.duckdb"
    db_path.write_bytes(sample_warehouse.read_bytes())
    before_features = query(db_path, "select * from feat_customer_features order by all")
    scores = latest_scores(db_path)
    published = query(db_path, "select * from segment_membership order by customer_id")
    published = published.set_index("customer_id")
    segment_ids = sorted(scores["top_segment_id"].unique())
    probability = scores[[f"probability_segment_{i}" for i in segment_ids]].to_numpy()
    column = {segment_id: n for n, segment_id in enumerate(segment_ids)}

    # Plant: a quarter of the customers held in their runner-up segment since 2020, a few removed
    # from the published table (they enter anew), and one customer who no longer exists.
    gap = scores["top_probability"] - scores["runner_up_probability"]
    clear = (gap - SWITCH_MARGIN).abs() > 0.01  # away from the margin, so floats cannot tip it
    held = scores.index[clear & (np.arange(len(scores)) % 4 == 0)]
    dropped = scores.index[clear & (np.arange(len(scores)) % 4 == 1)][:25]
    planted = published.copy()
    planted.loc[held, "segment_id"] = scores.loc[held, "runner_up_segment_id"]
    planted.loc[held, "segment_entered_at"] = PLANTED_ENTERED_AT
    planted.loc[held, ["previous_segment_id", "previous_segment_name"]] = None
    planted = planted.drop(index=dropped)
    with connect(db_path, read_only=False) as connection:
        connection.execute("delete from segment_membership")
        connection.register("planted", planted.reset_index())
        connection.execute("insert into segment_membership by name select * from planted")
        ghost = connection.sql("select * from segment_membership limit 1").df()
        ghost["customer_id"] = "ghost-customer"
        connection.register("ghost", ghost)
        connection.execute("insert into segment_membership by name select * from ghost")
        # The overrides seed as a user would fill it: one segment renamed.
        overridden = int(segment_ids[-1])
        connection.execute(
            "insert into main_raw.segment_name_overrides values (?, ?, ?)",
            [overridden, OVERRIDE_NAME, "Customers who buy at the weekend."],
        )

    readers = root / "readers" / "segments.duckdb"
    readers.parent.mkdir()
    exports = root / "sync"
    dbt_vars = {
        "refit": False,
        "raw_schema": "main_raw",
        **RAW_TABLES,
        "events_table": "raw_events",
        "published_database_path": str(readers),
        "exports_path": str(exports),
    }
    # The overrides seed is not reloaded from its CSV: the rows inserted above are the input.
    result = run_dbt(db_path, dbt_vars=dbt_vars, extra=["--exclude", "segment_name_overrides"])

    # pandas: a held customer keeps the held segment unless the top one wins by switch_margin.
    held_segment = planted["segment_id"].reindex(scores.index)
    held_probability = pd.Series(np.nan, index=scores.index)
    known = held_segment.notna()
    held_probability[known] = probability[
        np.flatnonzero(known), [column[int(s)] for s in held_segment[known]]
    ]
    keeps = known & (
        (scores["top_segment_id"] == held_segment)
        | (scores["top_probability"] - held_probability < SWITCH_MARGIN)
    )
    expected = pd.DataFrame(
        {
            "segment_id": np.where(keeps, held_segment, scores["top_segment_id"]).astype(int),
            "keeps": keeps,
            "switched": known & ~keeps,
            "held_segment": held_segment,
        },
        index=scores.index,
    )
    return {
        "db": db_path,
        "output": result.output,
        "scores": scores,
        "expected": expected,
        "held": held,
        "dropped": dropped,
        "published_before": published,
        "overridden": overridden,
        "readers": readers,
        "exports": exports,
        "before_features": before_features,
    }


def test_anti_flapping_keeps_a_held_segment_unless_the_new_one_wins_by_the_margin(rebuilt):
    membership = query(rebuilt["db"], "select * from segment_membership").set_index("customer_id")
    expected = rebuilt["expected"]
    assert sorted(membership.index) == sorted(expected.index)
    got = membership["segment_id"].reindex(expected.index)
    assert (got == expected["segment_id"]).all()
    held = expected.loc[rebuilt["held"]]
    # the plant exercised both branches: held customers kept and held customers moved
    kept_off_top = held["keeps"] & (
        held["held_segment"] != rebuilt["scores"].loc[held.index, "top_segment_id"]
    )
    assert kept_off_top.sum() >= 20 and held["switched"].sum() >= 20
    print(
        f"\nheld {len(held)}: kept off their top segment {kept_off_top.sum()}, "
        f"switched {held['switched'].sum()}"
    )


def test_entered_at_and_previous_segment_follow_the_decision(rebuilt):
    membership = query(rebuilt["db"], "select * from segment_membership").set_index("customer_id")
    expected, scores = rebuilt["expected"], rebuilt["scores"]
    held = expected.loc[rebuilt["held"]]
    kept = membership.loc[held.index[held["keeps"]]]
    assert (kept["segment_entered_at"] == PLANTED_ENTERED_AT).all()
    switched = held.index[held["switched"]]
    as_of = pd.Timestamp(scores["as_of_date"].iloc[0])
    assert (membership.loc[switched, "segment_entered_at"] == as_of).all()
    assert (
        membership.loc[switched, "previous_segment_id"] == held.loc[switched, "held_segment"]
    ).all()
    assert (membership.loc[switched, "segment_changed_at"] == as_of).all()
    # a customer kept in a planted segment still carries the probability of that segment
    row = kept.index[0]
    column = f"probability_segment_{int(kept.loc[row, 'segment_id'])}"
    assert abs(membership.loc[row, "segment_probability"] - scores.loc[row, column]) <= 0.005 + 1e-9


def test_is_ambiguous_is_a_close_runner_up(rebuilt):
    membership = query(
        rebuilt["db"],
        "select customer_id, segment_probability, runner_up_probability, is_ambiguous "
        "from segment_membership",
    )
    gap = membership["segment_probability"] - membership["runner_up_probability"]
    clear = (gap - AMBIGUITY_MARGIN).abs() > 0.011  # published probabilities are rounded to 0.01
    assert (membership.loc[clear, "is_ambiguous"] == (gap[clear] < AMBIGUITY_MARGIN)).all()
    assert membership["is_ambiguous"].any() and not membership["is_ambiguous"].all()


def test_change_feed_has_entered_changed_and_removed_rows(rebuilt):
    changes = query(rebuilt["db"], "select * from segment_membership_changes")
    by_type = {kind: set(rows["customer_id"]) for kind, rows in changes.groupby("change_type")}
    expected = rebuilt["expected"]
    assert by_type["removed"] == {"ghost-customer"}
    assert by_type["entered"] == set(rebuilt["dropped"])
    assert by_type["changed"] == set(expected.index[expected["switched"]])
    changed = changes[changes["change_type"] == "changed"].set_index("customer_id")
    old = expected.loc[changed.index, "held_segment"].astype(int)
    assert (changed["old_segment_id"] == old).all()
    assert (changed["new_segment_id"] == expected.loc[changed.index, "segment_id"]).all()


def test_a_name_from_the_overrides_seed_is_published(rebuilt):
    profiles = query(rebuilt["db"], "select * from segment_profiles").set_index("segment_id")
    overridden = rebuilt["overridden"]
    assert profiles.loc[overridden, "segment_name"] == OVERRIDE_NAME
    assert profiles.loc[overridden, "name_source"] == "override"
    assert profiles.loc[overridden, "segment_description"] == "Customers who buy at the weekend."
    names = query(rebuilt["db"], "select distinct segment_id, segment_name from segment_membership")
    assert names.set_index("segment_id").loc[overridden, "segment_name"] == OVERRIDE_NAME
    assert (profiles.drop(index=overridden)["name_source"] != "override").all()


def test_warehouse_tables_give_the_same_features_as_the_seeds(rebuilt):
    after = query(rebuilt["db"], "select * from feat_customer_features order by all")
    pd.testing.assert_frame_equal(rebuilt["before_features"], after)


def test_readers_file_and_sync_files_go_where_the_vars_say(rebuilt):
    readers, exports = rebuilt["readers"], rebuilt["exports"]
    assert readers.exists()
    in_build = query(rebuilt["db"], "select * from segment_membership order by customer_id")
    in_readers = query(readers, "select * from segment_membership order by customer_id")
    pd.testing.assert_frame_equal(in_build, in_readers)
    synced = pd.read_parquet(exports / "current" / "segment_membership.parquet")
    assert sorted(synced["customer_id"]) == sorted(in_build["customer_id"])
    assert (exports / "current" / "segment_profiles.csv").exists()
    # nothing was written to the default places beside the build file
    default = rebuilt["db"].with_name(rebuilt["db"].stem + "_published.duckdb")
    assert not default.exists()


STATEFUL = {
    "segment_membership": "main_segments",
    "segment_model_registry": "main_intermediate",
    "int_segment_names_derived": "main_intermediate",
    "segment_snapshots": "main_intermediate",
}


@pytest.mark.slow
def test_an_upgrade_from_one_schema_carries_the_state_over(sample_warehouse, tmp_path):
    """A warehouse built before schemas by layer keeps the tables a build reads back in main. The
    first build after upgrading copies them to their layer's schema before anything runs, so the
    rerun is a rerun: no customer 'entered', the same registered model, names and snapshot log."""
    db_path = tmp_path / "upgrade.duckdb"
    db_path.write_bytes(sample_warehouse.read_bytes())
    readers = sample_warehouse.with_name(sample_warehouse.stem + "_published.duckdb")
    db_path.with_name("upgrade_published.duckdb").write_bytes(readers.read_bytes())
    before = {
        name: query(db_path, f"select * from {schema}.{name} order by all")
        for name, schema in STATEFUL.items()
    }
    with connect(db_path, read_only=False) as connection:
        for name, schema in STATEFUL.items():
            connection.execute(f"create table main.{name} as select * from {schema}.{name}")
            connection.execute(f"drop table {schema}.{name}")
    result = run_dbt(db_path)
    for name, schema in STATEFUL.items():
        assert f'carried "upgrade"."main"."{name}" over to "upgrade"."{schema}"."{name}"' in (
            result.output
        )
    assert query(db_path, "select * from main_segments.segment_membership_changes").empty
    after = {
        name: query(db_path, f"select * from {schema}.{name} order by all")
        for name, schema in STATEFUL.items()
    }
    pd.testing.assert_frame_equal(after["segment_membership"], before["segment_membership"])
    # registered_at included: the registered row itself, not a refit that hashed the same
    pd.testing.assert_frame_equal(after["segment_model_registry"], before["segment_model_registry"])
    pd.testing.assert_frame_equal(
        after["int_segment_names_derived"].drop(columns="name_source"),
        before["int_segment_names_derived"].drop(columns="name_source"),
    )
    # the same run again adds nothing to the log
    assert len(after["segment_snapshots"]) == len(before["segment_snapshots"])

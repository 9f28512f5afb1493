"""Campaign-ready membership: the persistent holdout, the previous segment, the expected value."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from conftest import query, run_dbt, sample_frames
from scipy.stats import chi2_contingency, spearmanr

HOLDOUT_SHARE = 0.10
SALT = "customer_segments"


def hashed_holdout(customer_ids: pd.Series, salt: str = SALT, share: float = HOLDOUT_SHARE):
    """The holdout flag recomputed from its definition: md5 of salt|id, 8 hex digits, mod 10000."""
    buckets = customer_ids.map(
        lambda customer_id: (
            int(hashlib.md5(f"{salt}|{customer_id}".encode()).hexdigest()[:8], 16) % 10000
        )
    )
    return buckets < round(share * 10000)


def test_holdout_is_the_hash_of_the_id_and_nothing_else(sample_warehouse):
    membership = query(sample_warehouse, "select * from segment_membership")
    expected = hashed_holdout(membership["customer_id"])
    assert (membership["is_holdout"] == expected).all()
    assert (membership["holdout_group"] == np.where(expected, "holdout", "treatment")).all()
    # A binomial draw: within 4 standard deviations of the share over every customer.
    n = len(membership)
    assert abs(membership["is_holdout"].mean() - HOLDOUT_SHARE) < 4 * np.sqrt(0.09 / n)
    # Independent of the segment: a chi-squared test of segment x group does not reject.
    table = pd.crosstab(membership["segment_id"], membership["is_holdout"])
    assert chi2_contingency(table).pvalue > 0.001


def test_holdout_summary_counts_the_membership(sample_warehouse):
    membership = query(sample_warehouse, "select * from segment_membership")
    summary = query(sample_warehouse, "select * from segment_holdout_summary").set_index(
        "segment_id"
    )
    counts = membership.groupby("segment_id")["is_holdout"].agg(["size", "sum"])
    assert summary["n_customers"].to_dict() == counts["size"].to_dict()
    assert summary["n_holdout"].to_dict() == counts["sum"].to_dict()
    assert (summary["n_treatment"] + summary["n_holdout"] == summary["n_customers"]).all()
    # Past dates: the same customers' groups, read from the scored history and the outcomes.
    observed = query(
        sample_warehouse,
        """
        select f.customer_id, s.top_segment_id as segment_id, o.purchases_next_90d
        from int_customer_outcomes o
        join int_segment_scores s using (customer_id, as_of_date)
        join feat_customer_features f using (customer_id, as_of_date)
        """,
    )
    observed["is_holdout"] = hashed_holdout(observed["customer_id"])
    rates = (
        observed.assign(bought=observed["purchases_next_90d"] > 0)
        .groupby(["segment_id", "is_holdout"])["bought"]
        .mean()
    )
    for segment_id, row in summary.iterrows():
        assert row["holdout_bought_again_90d_share"] == pytest.approx(rates[(segment_id, True)])
        assert row["treatment_bought_again_90d_share"] == pytest.approx(rates[(segment_id, False)])
    # The flag is the var's threshold (min_holdout_customers, 100).
    assert (summary["is_too_small_to_hold_out"] == (summary["n_holdout"] < 100)).all()


def test_build_log_names_the_segments_too_small_to_hold_out(warehouse_copy):
    result = run_dbt(warehouse_copy, dbt_vars={"refit": False, "min_holdout_customers": 10**6})
    summary = query(warehouse_copy, "select * from segment_holdout_summary")
    line = next(line for line in result.output.splitlines() if "holdout: " in line)
    assert "too few held out to measure a campaign" in line
    for row in summary.itertuples():
        assert f"{row.segment_name} ({row.n_holdout} of {row.n_customers})" in line
    off = run_dbt(warehouse_copy, dbt_vars={"refit": False, "holdout_share": 0})
    assert "holdout: off (holdout_share 0)" in off.output
    membership = query(warehouse_copy, "select is_holdout, holdout_group from segment_membership")
    assert not membership["is_holdout"].any()
    assert (membership["holdout_group"] == "treatment").all()


def test_holdout_share_var_is_checked(warehouse_copy):
    result = run_dbt(warehouse_copy, dbt_vars={"refit": False, "holdout_share": 0.7}, check=False)
    assert not result.ok
    assert "var holdout_share is 0.7" in result.output


def test_forecast_cells_are_the_shrunk_means_of_the_history(sample_warehouse):
    observations = query(sample_warehouse, "select * from int_forecast_observations")
    cells = query(sample_warehouse, "select * from int_forecast_cells where fit = 'check'")
    prior = 50.0
    training = observations[observations["outcome_role"] == "training"]
    everyone = training["orders_next_90d"].mean()

    def shrunk(frame, keys, parent):
        groups = frame.groupby(keys)["orders_next_90d"].agg(["sum", "size"])
        return (groups["sum"] + prior * parent(groups.index)) / (groups["size"] + prior)

    segment = shrunk(training, ["segment_id"], lambda index: everyone)
    recency = shrunk(
        training,
        ["segment_id", "recency_band"],
        lambda index: segment.loc[index.get_level_values(0)].to_numpy(),
    )
    cell = shrunk(
        training,
        ["segment_id", "recency_band", "frequency_band"],
        lambda index: recency.loc[
            list(zip(index.get_level_values(0), index.get_level_values(1)))
        ].to_numpy(),
    )
    got = cells[cells["cell_level"] == "cell"].set_index(
        ["segment_id", "recency_band", "frequency_band"]
    )["expected_orders_90d"]
    assert len(got) == len(cell) > 10
    np.testing.assert_allclose(got.loc[cell.index].to_numpy(), cell.to_numpy(), rtol=1e-9)


def test_forecast_validation_recomputed_and_better_than_last_90_days(sample_warehouse):
    forecasts = query(
        sample_warehouse, "select * from int_customer_forecasts where forecast_role = 'validation'"
    )
    validation = query(sample_warehouse, "select * from segment_forecast_validation")
    assert validation["as_of_date"].nunique() == 3
    columns = {
        ("orders_90d", "expected"): ("orders_next_90d", "expected_orders_90d"),
        ("orders_90d", "last_90_days"): ("orders_next_90d", "orders_last_90d"),
        ("spend_90d", "expected"): ("spend_next_90d", "expected_spend_90d"),
        ("spend_90d", "last_90_days"): ("spend_next_90d", "spend_last_90d"),
    }
    for row in validation.itertuples():
        actual_column, predicted_column = columns[(row.measure, row.forecast)]
        day = forecasts[forecasts["as_of_date"] == row.as_of_date]
        actual, predicted = day[actual_column], day[predicted_column]
        assert row.n_customers == len(day)
        assert row.mean_absolute_error == pytest.approx((predicted - actual).abs().mean())
        assert row.root_mean_squared_error == pytest.approx(
            np.sqrt(((predicted - actual) ** 2).mean())
        )
        assert row.rank_correlation == pytest.approx(spearmanr(predicted, actual).statistic)
    means = validation.groupby(["measure", "forecast"])[
        ["mean_absolute_error", "root_mean_squared_error", "rank_correlation"]
    ].mean()
    print(f"\nforecast check on the sample, mean over the validation dates:\n{means}")
    for measure in ("orders_90d", "spend_90d"):
        ours, naive = means.loc[(measure, "expected")], means.loc[(measure, "last_90_days")]
        assert ours["mean_absolute_error"] < 0.9 * naive["mean_absolute_error"], measure
        assert ours["root_mean_squared_error"] < naive["root_mean_squared_error"], measure
    # Who buys: ranked better than by the last 90 days' orders.
    ours, naive = means.loc[("orders_90d", "expected")], means.loc[("orders_90d", "last_90_days")]
    assert ours["rank_correlation"] > naive["rank_correlation"]


def test_membership_carries_the_forecast_and_profiles_its_mean(sample_warehouse):
    membership = query(sample_warehouse, "select * from segment_membership")
    assert membership["expected_orders_90d"].notna().all()
    assert membership["expected_spend_90d"].notna().all()
    assert (membership["expected_orders_90d"] >= 0).all()
    profiles = query(sample_warehouse, "select * from segment_profiles").set_index("segment_id")
    means = membership.groupby("segment_id")["expected_spend_90d"].mean()
    np.testing.assert_allclose(
        profiles.loc[means.index, "mean_expected_spend_90d"], means.to_numpy(), rtol=1e-9
    )
    # Customers who buy often and lately are expected to buy more than those who left long ago.
    features = query(
        sample_warehouse,
        "select customer_id, days_since_last_order from feat_customer_features"
        " where is_latest_as_of_date",
    )
    joined = membership.merge(features, on="customer_id")
    recent = joined[joined["days_since_last_order"] <= 30]["expected_orders_90d"].mean()
    lapsed = joined[joined["days_since_last_order"] > 365]["expected_orders_90d"].mean()
    assert recent > 2 * lapsed


def write_inputs(folder, frames) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths[f"{name}_location"] = str(path)
    return paths


def test_previous_segment_through_a_sequence_of_builds(warehouse_copy, sample_warehouse, tmp_path):
    """Build 1 is the sample. Build 2 (same model): 5 customers leave, 5 enter, 5 change
    segment by buying a lot lately, the rest stay. Build 3 repeats build 2's input."""
    before = query(sample_warehouse, "select * from segment_membership").set_index("customer_id")
    frames = sample_frames()
    orders = frames["orders"]
    features = query(
        sample_warehouse,
        "select customer_id, net_spend from feat_customer_features where is_latest_as_of_date",
    ).merge(before[["segment_id"]], left_on="customer_id", right_index=True)
    as_of = pd.Timestamp(
        query(sample_warehouse, "select max(as_of_date) as d from int_as_of_dates")["d"].iloc[0]
    )
    # Leavers and changers come from the segment that spends least; the changers then buy 15
    # times at the top of the range in the last 60 days.
    poorest = features.groupby("segment_id")["net_spend"].mean().idxmin()
    low = features[features["segment_id"] == poorest].sort_values("customer_id")["customer_id"]
    leavers, changers = list(low[:5]), list(low[5:10])
    top_amount = float(orders["amount"].quantile(0.99))
    extra = pd.DataFrame(
        [
            {
                "order_id": f"extra-{customer}-{k}",
                "customer_id": customer,
                "ordered_at": (as_of - pd.Timedelta(days=4 * k + 1)).strftime("%Y-%m-%d 12:00:00"),
                "amount": top_amount,
            }
            for customer in changers
            for k in range(15)
        ]
    )
    newcomers = [f"newcomer-{n}" for n in range(5)]
    entered = pd.DataFrame(
        [
            {
                "order_id": f"new-{customer}-{k}",
                "customer_id": customer,
                # Both on the as-of date: no earlier month-end saw them.
                "ordered_at": (as_of + pd.Timedelta(hours=8 + 4 * k)).strftime("%Y-%m-%d %H:%M:%S"),
                "amount": 50.0,
            }
            for customer in newcomers
            for k in range(2)
        ]
    )
    frames["orders"] = pd.concat(
        [orders[~orders["customer_id"].isin(leavers)], extra, entered], ignore_index=True
    )
    customers = frames["customers"]
    new_customers = customers.iloc[:5].copy()
    new_customers["customer_id"] = newcomers
    frames["customers"] = pd.concat([customers, new_customers], ignore_index=True)
    dbt_vars = {"refit": False, "as_of_date": as_of.strftime("%Y-%m-%d")}
    dbt_vars |= write_inputs(tmp_path / "second", frames)
    run_dbt(warehouse_copy, dbt_vars=dbt_vars)
    after = query(warehouse_copy, "select * from segment_membership").set_index("customer_id")
    changes = query(warehouse_copy, "select * from segment_membership_changes").set_index(
        "customer_id"
    )
    names = before.groupby("segment_id")["segment_name"].first()

    # Leave: gone from the membership, in the change feed with what readers had.
    assert not set(leavers) & set(after.index)
    for customer in leavers:
        assert changes.loc[customer, "change_type"] == "removed"
        assert changes.loc[customer, "old_segment_id"] == before.loc[customer, "segment_id"]
        assert changes.loc[customer, "old_segment_name"] == before.loc[customer, "segment_name"]
    # Enter: in the change feed, with no old segment, and held out by the hash like everyone.
    for customer in newcomers:
        assert changes.loc[customer, "change_type"] == "entered"
        assert pd.isna(changes.loc[customer, "old_segment_id"])
        assert pd.isna(after.loc[customer, "previous_segment_id"])
        assert pd.isna(after.loc[customer, "segment_changed_at"])
    assert (after["is_holdout"] == hashed_holdout(after.index.to_series())).all()
    # Change: the old segment becomes the previous one, with its name and the date of the move.
    moved = [c for c in changers if after.loc[c, "segment_id"] != before.loc[c, "segment_id"]]
    assert len(moved) >= 3, after.loc[changers, ["segment_id", "segment_probability"]]
    for customer in moved:
        old = before.loc[customer, "segment_id"]
        row = after.loc[customer]
        assert row["previous_segment_id"] == old
        assert row["previous_segment_name"] == names[old]
        assert row["segment_changed_at"] == row["segment_entered_at"] == as_of
        assert changes.loc[customer, "change_type"] == "changed"
        assert changes.loc[customer, "old_segment_name"] == names[old]
        assert changes.loc[customer, "new_segment_name"] == row["segment_name"]
        assert row["is_holdout"] == before.loc[customer, "is_holdout"]
    # Stay: everything about the segment is as it was.
    kept_columns = [
        "segment_id",
        "segment_name",
        "previous_segment_id",
        "previous_segment_name",
        "segment_entered_at",
        "segment_changed_at",
        "is_holdout",
        "holdout_group",
    ]
    stayed = before.index.difference(leavers + changers)
    pd.testing.assert_frame_equal(
        before.loc[stayed, kept_columns], after.loc[stayed, kept_columns], check_like=True
    )
    assert not set(stayed) & set(changes.index)

    # Build 3, the same input again: nothing changes, the change feed is empty.
    run_dbt(warehouse_copy, dbt_vars=dbt_vars)
    again = query(warehouse_copy, "select * from segment_membership").set_index("customer_id")
    pd.testing.assert_frame_equal(after.sort_index(), again.sort_index())
    changed = query(warehouse_copy, "select count(*) as n from segment_membership_changes")
    assert changed["n"][0] == 0

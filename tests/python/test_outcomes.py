"""What customers do next: outcomes per segment and the validation against the RFM baselines."""

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import query, run_dbt

from customer_segments.model.outcomes import assign_kmeans_baseline, eta_squared
from customer_segments.model.segment_model import SegmentModel

AS_OF = "2025-12-31"


def latest_model(db_path) -> SegmentModel:
    """The most recently registered model of a warehouse."""
    text = query(
        db_path,
        "select model_json from segment_model_registry order by registered_at desc limit 1",
    )["model_json"].iloc[0]
    return SegmentModel.from_json(text)


def write_crafted_orders(path) -> None:
    """400 background customers buying every few weeks, plus customers A, B, C by hand.

    A: a purchase on the as-of date 2025-06-30 itself (never an outcome of that date), then
       2025-07-15 (20.00), a refund on 2025-07-20 (-5.00) and 2025-09-28 (30.00), 90 days after
       2025-06-30: the last day of its window.
    B: one purchase in 2024, then one on 2026-02-10, after the build's as-of date: never read.
    C: purchases on 2025-09-29 (100.00, 91 days after 2025-06-30: outside that window) and
       2025-10-01 (50.00).
    """
    rows = []
    for n in range(400):
        gap = 20 + n % 50
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=n % 60)
        k = 0
        while day <= pd.Timestamp("2025-12-31") and k < 40 - n % 35:
            rows.append((f"o-{n}-{k}", f"bg-{n:03d}", day + pd.Timedelta(hours=10), 10 + n % 90))
            day += pd.Timedelta(days=gap + (k * 7 + n) % 11)
            k += 1
    rows += [
        ("a-1", "A", pd.Timestamp("2025-01-10 09:00"), 15.0),
        ("a-2", "A", pd.Timestamp("2025-06-30 18:00"), 10.0),
        ("a-3", "A", pd.Timestamp("2025-07-15 12:00"), 20.0),
        ("a-4", "A", pd.Timestamp("2025-07-20 12:00"), -5.0),
        ("a-5", "A", pd.Timestamp("2025-09-28 23:00"), 30.0),
        ("b-1", "B", pd.Timestamp("2024-03-01 12:00"), 40.0),
        ("b-2", "B", pd.Timestamp("2026-02-10 12:00"), 999.0),
        ("c-1", "C", pd.Timestamp("2025-02-01 12:00"), 5.0),
        ("c-2", "C", pd.Timestamp("2025-09-29 12:00"), 100.0),
        ("c-3", "C", pd.Timestamp("2025-10-01 12:00"), 50.0),
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "amount"])
    with duckdb.connect() as connection:
        connection.register("frame", frame)
        connection.execute(f"copy frame to '{path}' (format parquet)")


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    root = tmp_path_factory.mktemp("outcomes")
    orders = root / "orders.parquet"
    write_crafted_orders(orders)
    db_path = root / "outcomes.duckdb"
    run_dbt(db_path, dbt_vars={"orders_location": str(orders), "as_of_date": AS_OF})
    return db_path


def test_outcome_dates_and_roles(crafted):
    dates = query(crafted, "select * from int_outcome_dates order by as_of_date")
    # Month-ends whose next 90 days end on or before 2025-12-31: up to 2025-09-30.
    assert dates["as_of_date"].astype(str).tolist() == [
        f"{month}"
        for month in pd.date_range("2024-12-31", "2025-09-30", freq="ME").date.astype(str)
    ]
    roles = dict(zip(dates["as_of_date"].astype(str), dates["outcome_role"], strict=True))
    assert [roles[d] for d in ("2025-07-31", "2025-08-31", "2025-09-30")] == ["validation"] * 3
    # Training windows end on or before the first validation date (2025-07-31).
    assert [d for d, role in roles.items() if role == "training"] == [
        "2024-12-31",
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
    ]
    assert {roles["2025-05-31"], roles["2025-06-30"]} == {"gap"}
    observed_180 = dict(
        zip(dates["as_of_date"].astype(str), dates["is_180d_observed"], strict=True)
    )
    assert observed_180["2025-06-30"] and not observed_180["2025-07-31"]


def test_hand_computed_outcomes(crafted):
    outcomes = query(
        crafted,
        "select *, cast(as_of_date as varchar) as as_of_day from int_customer_outcomes "
        "where customer_id in ('A', 'B', 'C') order by customer_id, as_of_date",
    ).set_index(["customer_id", "as_of_day"])
    a = outcomes.loc["A"]
    # The order on 2025-06-30 itself is not an outcome of that date; 2025-09-28 is day 90.
    assert a.loc["2025-06-30", "net_spend_next_90d"] == pytest.approx(45.0)
    assert a.loc["2025-06-30", "purchases_next_90d"] == 2
    assert bool(a.loc["2025-06-30", "bought_again_90d"])
    assert not bool(a.loc["2025-06-30", "is_without_purchase_180d"])
    assert a.loc["2025-07-31", "net_spend_next_90d"] == pytest.approx(30.0)
    assert a.loc["2025-09-30", "net_spend_next_90d"] == 0
    assert not bool(a.loc["2025-09-30", "bought_again_90d"])
    assert pd.isna(a.loc["2025-09-30", "is_without_purchase_180d"])  # 180 days not observed
    # A appears from its first purchase (2025-01-10) on.
    assert a.index.min() == "2025-01-31"
    # B's order after the build's as-of date never counts.
    b = outcomes.loc["B"]
    assert (b["net_spend_next_90d"] == 0).all()
    assert not b["bought_again_90d"].any()
    assert b.loc["2025-06-30", "is_without_purchase_180d"]
    c = outcomes.loc["C"]
    assert c.loc["2025-06-30", "net_spend_next_90d"] == 0  # 2025-09-29 is day 91
    assert not bool(c.loc["2025-06-30", "bought_again_90d"])
    assert not bool(c.loc["2025-06-30", "is_without_purchase_180d"])
    assert c.loc["2025-07-31", "net_spend_next_90d"] == pytest.approx(150.0)
    assert c.loc["2025-07-31", "purchases_next_90d"] == 2


def test_no_outcome_counts_an_order_on_or_before_its_date(crafted):
    leaked = query(
        crafted,
        """
        with orders as (
            select customer_id, cast(ordered_at as date) as order_date, amount
            from stg_raw__orders where invalid_reason is null
        ),
        expected as (
            select outcomes.customer_id, outcomes.as_of_date,
                coalesce(sum(orders.amount) filter (
                    where orders.order_date > outcomes.as_of_date
                    and orders.order_date <= outcomes.as_of_date + interval 90 day
                    and orders.order_date <= date '2025-12-31'
                ), 0) as spend
            from int_customer_outcomes as outcomes
            left join orders using (customer_id)
            group by 1, 2
        )
        select count(*) from expected
        join int_customer_outcomes using (customer_id, as_of_date)
        where abs(expected.spend - int_customer_outcomes.net_spend_next_90d) > 1e-9
        """,
    ).iloc[0, 0]
    assert leaked == 0


def oracle_outcomes(db_path) -> pd.DataFrame:
    """segment_outcomes recomputed in pandas from segment_history and the raw valid orders."""
    history = query(db_path, "select customer_id, as_of_date, segment_id from segment_history")
    dates = query(db_path, "select * from int_outcome_dates")
    latest = query(db_path, "select as_of_date from int_as_of_dates where is_latest").iloc[0, 0]
    orders = query(
        db_path,
        "select customer_id, cast(ordered_at as date) as order_date, amount "
        "from stg_raw__orders where invalid_reason is null",
    )
    rows = []
    for date in dates.itertuples():
        at = history[history["as_of_date"] == date.as_of_date]
        after = orders[
            (orders["order_date"] > date.as_of_date)
            & (orders["order_date"] <= min(date.as_of_date + pd.Timedelta(days=90), latest))
        ]
        spend = after.groupby("customer_id")["amount"].sum()
        bought = after[after["amount"] >= 0].groupby("customer_id").size() > 0
        within_180 = orders[
            (orders["order_date"] > date.as_of_date)
            & (orders["order_date"] <= date.as_of_date + pd.Timedelta(days=180))
            & (orders["amount"] >= 0)
        ]["customer_id"]
        frame = at.assign(
            spend=at["customer_id"].map(spend).fillna(0.0),
            bought=at["customer_id"].map(bought).fillna(False).astype(float),
            without=(~at["customer_id"].isin(set(within_180))).astype(float),
        )
        for segment_id, group in frame.groupby("segment_id"):
            rows.append(
                {
                    "as_of_date": date.as_of_date,
                    "segment_id": segment_id,
                    "n_customers": len(group),
                    "bought_again_90d_share": group["bought"].mean(),
                    "mean_net_spend_next_90d": group["spend"].mean(),
                    "median_net_spend_next_90d": group["spend"].median(),
                    "without_purchase_180d_share": (
                        group["without"].mean() if date.is_180d_observed else np.nan
                    ),
                    "population_bought_again_90d_share": frame["bought"].mean(),
                }
            )
    return pd.DataFrame(rows)


def test_segment_outcomes_match_an_independent_recomputation(sample_warehouse):
    expected = oracle_outcomes(sample_warehouse)
    actual = query(sample_warehouse, "select * from segment_outcomes")
    assert len(expected) > 0
    joined = expected.merge(actual, on=["as_of_date", "segment_id"], suffixes=("", "_sql"))
    assert len(joined) == len(expected) == len(actual)
    for column in expected.columns.drop(["as_of_date", "segment_id"]):
        np.testing.assert_allclose(
            joined[f"{column}_sql"].astype(float),
            joined[column].astype(float),
            rtol=1e-9,
            atol=1e-9,
            err_msg=column,
        )
    print("\nsegment outcomes at the latest validation date:")
    latest = actual[actual["outcome_role"] == "validation"]["as_of_date"].max()
    print(actual[actual["as_of_date"] == latest].to_string())


def rfm_quintile_map(frame: pd.DataFrame) -> pd.Series:
    """The classic RFM map per date: recency and frequency quintiles, ties broken by customer."""
    labels = pd.Series(index=frame.index, dtype=object)
    for _, at in frame.groupby("as_of_date"):
        by_recency = at.sort_values(
            ["days_since_last_order", "customer_id"], ascending=[False, True]
        )
        by_frequency = at.sort_values(["order_count", "customer_id"])
        n = len(at)
        # SQL's ntile(5): groups as equal as possible, the first n % 5 one row larger.
        base, extra = divmod(n, 5)
        position = np.arange(n)
        big = extra * (base + 1)
        quintile = np.where(
            position < big,
            position // (base + 1) + 1,
            extra + (position - big) // max(base, 1) + 1,
        )
        recency = pd.Series(quintile, index=by_recency.index)
        frequency = pd.Series(quintile, index=by_frequency.index)
        for index in at.index:
            r, f = recency[index], frequency[index]
            if r <= 2:
                cell = "hibernating" if f <= 2 else ("at_risk" if f <= 4 else "cannot_lose_them")
            elif r == 3:
                cell = {1: "about_to_sleep", 2: "about_to_sleep", 3: "need_attention"}.get(
                    f, "loyal"
                )
            elif f >= 4:
                cell = "loyal" if r == 4 else "champions"
            elif f == 1:
                cell = "promising" if r == 4 else "new"
            else:
                cell = "potential_loyalists"
            labels[index] = cell
    return labels


def test_segment_validation_matches_an_independent_recomputation(sample_warehouse):
    model = latest_model(sample_warehouse)
    frame = query(
        sample_warehouse,
        """
        select features.*, outcomes.net_spend_next_90d, outcomes.bought_again_90d,
            history.segment_id
        from int_customer_outcomes as outcomes
        join feat_customer_features as features using (customer_id, as_of_date)
        join segment_history as history using (customer_id, as_of_date)
        where outcomes.outcome_role = 'validation'
        """,
    )
    groups = {
        "segments": frame["segment_id"].to_numpy(),
        "kmeans_log_rfm": assign_kmeans_baseline(frame, model.baseline),
        "rfm_quintile_map": rfm_quintile_map(frame).to_numpy(),
    }
    actual = query(sample_warehouse, "select * from segment_validation").set_index(
        ["segmentation", "as_of_date"]
    )
    assert set(actual.index.get_level_values(0)) == set(groups)
    for (segmentation, date), row in actual.iterrows():
        rows = (frame["as_of_date"] == date).to_numpy()
        labels = groups[segmentation][rows]
        at = frame[rows]
        assert row["n_groups"] == len(np.unique(labels))
        assert row["n_customers"] == rows.sum()
        assert row["eta_squared_spend_90d"] == pytest.approx(
            eta_squared(at["net_spend_next_90d"], labels), rel=1e-9, abs=1e-12
        )
        assert row["eta_squared_bought_again_90d"] == pytest.approx(
            eta_squared(at["bought_again_90d"].astype(float), labels), rel=1e-9, abs=1e-12
        )
    means = actual.groupby(level=0)[["eta_squared_spend_90d", "eta_squared_bought_again_90d"]]
    print(f"\nsegment validation on the bundled sample (mean over dates):\n{means.mean()}")


def test_validation_is_logged(sample_warehouse):
    log = (
        sample_warehouse.parent / f"dbt_{sample_warehouse.stem}" / "logs" / "dbt.log"
    ).read_text()
    assert "segment validation, eta squared of the next 90 days" in log

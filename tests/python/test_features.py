"""Every feature of the built sample equals an independent pandas computation from the seeds."""

import numpy as np
import pandas as pd
import pytest
from conftest import query, sample_frames

ORDER_FEATURES = [
    "days_since_last_order",
    "tenure_days",
    "order_count",
    "orders_90d",
    "net_spend",
    "avg_order_value",
    "spend_90d",
    "active_months",
    "avg_days_between_orders",
    "refund_share",
]
EVENT_FEATURES = [
    "sessions_30d",
    "sessions_90d",
    "email_open_rate",
    "email_click_rate",
    "support_tickets_90d",
    "days_since_last_event",
    "activity_trend",
]


def order_features(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Order features at one as-of date, the way an analyst would write them in pandas."""
    seen = orders[orders["order_date"] <= as_of].copy()
    seen["days_before"] = (as_of - seen["order_date"]).dt.days
    purchases = seen[seen["amount"] >= 0]
    refunds = seen[seen["amount"] < 0]
    by_customer = purchases.groupby("customer_id")
    frame = pd.DataFrame(
        {
            "first": by_customer["order_date"].min(),
            "last": by_customer["order_date"].max(),
            "order_count": by_customer.size(),
            "gross": by_customer["amount"].sum(),
            "active_months": by_customer["order_date"].apply(
                lambda d: d.dt.to_period("M").nunique()
            ),
        }
    )
    frame["orders_90d"] = purchases[purchases["days_before"] < 90].groupby("customer_id").size()
    frame["net_spend"] = seen.groupby("customer_id")["amount"].sum()
    frame["spend_90d"] = seen[seen["days_before"] < 90].groupby("customer_id")["amount"].sum()
    frame["refunded"] = -refunds.groupby("customer_id")["amount"].sum()
    frame = frame.fillna({"orders_90d": 0, "spend_90d": 0.0, "refunded": 0.0})
    frame["days_since_last_order"] = (as_of - frame["last"]).dt.days
    frame["tenure_days"] = (as_of - frame["first"]).dt.days
    frame["avg_order_value"] = frame["gross"] / frame["order_count"]
    frame["avg_days_between_orders"] = np.where(
        frame["order_count"] > 1,
        (frame["last"] - frame["first"]).dt.days / (frame["order_count"] - 1).clip(lower=1),
        np.nan,
    )
    frame["refund_share"] = np.where(
        frame["gross"] > 0,
        np.minimum(1.0, frame["refunded"] / frame["gross"].where(frame["gross"] > 0)),
        0.0,
    )
    return frame[ORDER_FEATURES]


def event_features(events: pd.DataFrame, customers: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame:
    """Engagement features at one as-of date for the given customers."""
    seen = events[events["event_date"] <= as_of].copy()
    seen["days_before"] = (as_of - seen["event_date"]).dt.days

    def count(event_type: str, low: int, high: int) -> pd.Series:
        chosen = seen[
            (seen["event_type"] == event_type)
            & (seen["days_before"] >= low)
            & (seen["days_before"] < high)
        ]
        return chosen.groupby("customer_id").size().reindex(customers, fill_value=0)

    s30, prior60 = count("session", 0, 30), count("session", 30, 90)
    sends = count("email_sent", 0, 90)
    frame = pd.DataFrame(index=customers)
    frame["sessions_30d"] = s30
    frame["sessions_90d"] = count("session", 0, 90)
    frame["email_open_rate"] = (count("email_open", 0, 90) / sends.where(sends > 0)).clip(upper=1.0)
    frame["email_click_rate"] = (count("email_click", 0, 90) / sends.where(sends > 0)).clip(
        upper=1.0
    )
    frame["support_tickets_90d"] = count("support_ticket", 0, 90)
    last_event = seen.groupby("customer_id")["event_date"].max().reindex(customers)
    frame["days_since_last_event"] = (as_of - last_event).dt.days
    denominator = s30 + prior60 / 2.0
    frame["activity_trend"] = np.where(
        denominator > 0, (s30 - prior60 / 2.0) / denominator.where(denominator > 0), 0.0
    )
    return frame[EVENT_FEATURES]


@pytest.fixture(scope="module")
def built(sample_warehouse):
    """Features and as-of dates from the built warehouse."""
    features = query(sample_warehouse, "select * from feat_customer_features")
    as_of_dates = query(sample_warehouse, "select * from int_as_of_dates order by as_of_date")
    return features, as_of_dates


def test_default_as_of_date_is_latest_order_date(built):
    _, as_of_dates = built
    orders = sample_frames()["orders"]
    latest = pd.to_datetime(orders["ordered_at"]).dt.normalize().max()
    assert pd.Timestamp(as_of_dates.loc[as_of_dates["is_latest"], "as_of_date"].iloc[0]) == latest
    assert len(as_of_dates) == 13  # the as-of date and 12 month-ends before it


def test_every_feature_matches_pandas(built):
    features, as_of_dates = built
    raw = sample_frames()
    # Exact duplicates count once (events: same customer, type and time), as documented.
    orders = raw["orders"].drop_duplicates()
    orders = orders.assign(order_date=pd.to_datetime(orders["ordered_at"]).dt.normalize())
    events = raw["events"].drop_duplicates(["customer_id", "event_type", "occurred_at"])
    events = events.assign(event_date=pd.to_datetime(events["occurred_at"]).dt.normalize())
    compared = 0
    for as_of in pd.to_datetime(as_of_dates["as_of_date"]):
        expected = order_features(orders, as_of)
        expected = expected.join(event_features(events, expected.index, as_of))
        actual = (
            features[pd.to_datetime(features["as_of_date"]) == as_of]
            .set_index("customer_id")
            .sort_index()
        )
        expected = expected.sort_index()
        assert list(actual.index) == list(expected.index), f"customers differ at {as_of.date()}"
        for column in ORDER_FEATURES + EVENT_FEATURES:
            np.testing.assert_allclose(
                actual[column].astype("float64").to_numpy(),
                expected[column].astype("float64").to_numpy(),
                rtol=1e-9,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{column} at {as_of.date()}",
            )
        compared += len(actual)
    n_features = len(ORDER_FEATURES + EVENT_FEATURES)
    print(f"\nfeatures: {compared} customer-as-of rows x {n_features} features match pandas")
    assert compared > 1000

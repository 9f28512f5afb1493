"""The notebook a user would write instead: pandas + scikit-learn, same features, same search.

Run as a script: python bench/baseline_notebook.py DATA_DIR OUT_DIR [--sample-cap 200000]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

STARTED = time.perf_counter()


def step(done: str) -> None:
    """Print how far the notebook got (the benchmark reports the last step if it dies)."""
    print(f"step: {done} ({time.perf_counter() - STARTED:.1f} s)", flush=True)


FEATURES = [
    "days_since_last_order",
    "order_count",
    "orders_90d",
    "net_spend",
    "avg_order_value",
    "active_months",
    "refund_share",
    "sessions_90d",
    "email_open_rate",
    "email_click_rate",
    "support_tickets_90d",
    "days_since_last_event",
]


def features(data: Path) -> pd.DataFrame:
    """Per-customer features at the latest order date, written the idiomatic pandas way."""
    orders = pd.read_parquet(
        data / "orders.parquet", columns=["customer_id", "ordered_at", "amount"]
    )
    step(f"read {len(orders):,} orders")
    orders["order_date"] = orders["ordered_at"].dt.normalize()
    as_of = orders["order_date"].max()
    orders["days_before"] = (as_of - orders["order_date"]).dt.days
    orders["is_purchase"] = orders["amount"] >= 0
    purchases = orders[orders["is_purchase"]]
    grouped = purchases.groupby("customer_id")
    frame = pd.DataFrame(
        {
            "last": grouped["order_date"].max(),
            "order_count": grouped.size(),
            "gross": grouped["amount"].sum(),
            "active_months": grouped["order_date"].agg(lambda d: d.dt.to_period("M").nunique()),
        }
    )
    frame["orders_90d"] = purchases[purchases["days_before"] < 90].groupby("customer_id").size()
    frame["net_spend"] = orders.groupby("customer_id")["amount"].sum()
    frame["refunded"] = -orders[~orders["is_purchase"]].groupby("customer_id")["amount"].sum()
    frame = frame.fillna({"orders_90d": 0, "refunded": 0.0})
    frame["days_since_last_order"] = (as_of - frame["last"]).dt.days
    frame["avg_order_value"] = frame["gross"] / frame["order_count"]
    frame["refund_share"] = (frame["refunded"] / frame["gross"].where(frame["gross"] > 0)).clip(
        upper=1
    )
    del orders, purchases
    step("order features")

    events = pd.read_parquet(
        data / "events.parquet", columns=["customer_id", "occurred_at", "event_type"]
    )
    step(f"read {len(events):,} events")
    events["days_before"] = (as_of - events["occurred_at"].dt.normalize()).dt.days
    events = events[events["days_before"] >= 0]
    recent = events[events["days_before"] < 90]
    counts = recent.groupby(["customer_id", "event_type"]).size().unstack(fill_value=0)
    counts = counts.reindex(frame.index, fill_value=0)
    sends = counts.get("email_sent", 0)
    frame["sessions_90d"] = counts.get("session", 0)
    frame["email_open_rate"] = (counts.get("email_open", 0) / sends.where(sends > 0)).clip(upper=1)
    frame["email_click_rate"] = (counts.get("email_click", 0) / sends.where(sends > 0)).clip(
        upper=1
    )
    frame["support_tickets_90d"] = counts.get("support_ticket", 0)
    last_event = events.groupby("customer_id")["days_before"].min()
    frame["days_since_last_event"] = last_event.reindex(frame.index)
    step("event features")
    return frame[FEATURES]


def main(features=features, name: str = "baseline") -> None:
    """Features, log1p + StandardScaler, GMM by BIC on a sample, predict all, tree, write.

    `features` is the one step the two notebooks write differently (experienced_notebook.py);
    the model search after it is the same.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sample-cap", type=int, default=200_000)
    args = parser.parse_args()
    frame = features(args.data)
    filled = frame.fillna(frame.median())
    transformed = np.log1p(filled.clip(lower=0))
    scaler = StandardScaler().fit(transformed)
    matrix = scaler.transform(transformed)
    rng = np.random.default_rng(42)
    sample = matrix[rng.choice(len(matrix), min(args.sample_cap, len(matrix)), replace=False)]
    step("scaled")
    best, best_bic = None, np.inf
    for k in range(2, 11):
        for covariance in ("full", "diag"):
            model = GaussianMixture(k, covariance_type=covariance, n_init=3, random_state=42)
            model.fit(sample)
            bic = model.bic(sample)
            if bic < best_bic:
                best, best_bic = model, bic
    step(f"model search (k={best.n_components} {best.covariance_type})")
    frame["segment"] = best.predict(matrix)
    tree = DecisionTreeClassifier(max_depth=4, random_state=42).fit(filled, frame["segment"])
    frame["leaf"] = tree.apply(filled)
    step("predicted and explained")
    args.out.mkdir(parents=True, exist_ok=True)
    frame.reset_index().to_parquet(args.out / "segments.parquet")
    print(f"{name}: {len(frame)} customers, k={best.n_components} {best.covariance_type}")


if __name__ == "__main__":
    main()

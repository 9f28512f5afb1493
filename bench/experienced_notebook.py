"""The notebook an experienced pandas user writes: the same features and search, vectorized.

Run as a script: python bench/experienced_notebook.py DATA_DIR OUT_DIR [--sample-cap 200000]

The features of baseline_notebook.py without a per-customer Python call: customer ids factorized
once, every per-customer sum, count and minimum a `np.bincount` / grouped reduction over integer
codes, active months a de-duplication of (customer, month) pairs. The model search after it is
baseline_notebook.py's own (k = 2..10, full and diag, n_init 3, BIC on a sample of at most
--sample-cap customers, predict all, a depth-4 tree).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from baseline_notebook import FEATURES, main, step


def per_customer(codes: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of weights (or the count of rows) per customer code."""
    return np.bincount(codes, weights=weights, minlength=n)


def features(data: Path) -> pd.DataFrame:
    """Per-customer features at the latest order date, from integer codes."""
    orders = pd.read_parquet(
        data / "orders.parquet", columns=["customer_id", "ordered_at", "amount"]
    )
    step(f"read {len(orders):,} orders")
    codes, customers = pd.factorize(orders["customer_id"])
    n = len(customers)
    day = orders["ordered_at"].to_numpy().astype("datetime64[D]")
    as_of = day.max()
    days_before = (as_of - day).astype(np.int64)
    amount = orders["amount"].to_numpy(dtype=np.float64)
    purchase = amount >= 0
    order_count = per_customer(codes[purchase], n)
    gross = per_customer(codes[purchase], n, amount[purchase])
    refunded = -per_customer(codes[~purchase], n, amount[~purchase])
    last = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(last, codes[purchase], days_before[purchase])
    month = day.astype("datetime64[M]").astype(np.int64)
    pairs = np.unique(codes[purchase] * (month.max() + 1) + month[purchase])
    frame = pd.DataFrame(
        {
            "days_since_last_order": last,
            "order_count": order_count,
            "orders_90d": per_customer(codes[purchase & (days_before < 90)], n),
            "net_spend": per_customer(codes, n, amount),
            "active_months": per_customer(pairs // (month.max() + 1), n),
        },
        index=pd.Index(customers, name="customer_id"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["avg_order_value"] = gross / order_count
        frame["refund_share"] = np.clip(np.where(gross > 0, refunded / gross, np.nan), None, 1)
    del orders, day, amount
    step("order features")

    events = pd.read_parquet(
        data / "events.parquet", columns=["customer_id", "occurred_at", "event_type"]
    )
    step(f"read {len(events):,} events")
    event_codes = frame.index.get_indexer(events["customer_id"])
    event_days = (as_of - events["occurred_at"].to_numpy().astype("datetime64[D]")).astype(np.int64)
    kept = (event_codes >= 0) & (event_days >= 0)
    event_codes, event_days = event_codes[kept], event_days[kept]
    event_type = events["event_type"].astype("category")
    types = event_type.cat.codes.to_numpy()[kept]
    kinds = list(event_type.cat.categories)
    del events, event_type
    last_event = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(last_event, event_codes, event_days)
    frame["days_since_last_event"] = np.where(
        last_event == np.iinfo(np.int64).max, np.nan, last_event
    )
    recent = event_days < 90
    # one count per (customer, event type) in the last 90 days
    by_type = per_customer(
        event_codes[recent] * len(kinds) + types[recent], n * len(kinds)
    ).reshape(n, len(kinds))
    counts = {
        kind: by_type[:, kinds.index(kind)] if kind in kinds else np.zeros(n)
        for kind in ("session", "email_sent", "email_open", "email_click", "support_ticket")
    }
    sends = np.where(counts["email_sent"] > 0, counts["email_sent"], np.nan)
    frame["sessions_90d"] = counts["session"]
    frame["email_open_rate"] = np.clip(counts["email_open"] / sends, None, 1)
    frame["email_click_rate"] = np.clip(counts["email_click"] / sends, None, 1)
    frame["support_tickets_90d"] = counts["support_ticket"]
    step("event features")
    # customers with a purchase, as in baseline_notebook.py
    return frame.loc[frame["order_count"] > 0, FEATURES]


if __name__ == "__main__":
    main(features, name="experienced notebook")

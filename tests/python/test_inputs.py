"""Bringing your own data: an orders-only file from another business, and no leakage."""

import json

import duckdb
import pandas as pd
from conftest import SEEDS, query, run_dbt

ENGAGEMENT = [
    "sessions_30d",
    "sessions_90d",
    "email_open_rate",
    "email_click_rate",
    "support_tickets_90d",
    "days_since_last_event",
    "activity_trend",
]


def write_other_business_orders(path) -> None:
    """Orders of another shop: 2018-2020, amounts in yen (hundreds to tens of thousands)."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                with customers as (
                    select
                        i as n,
                        'cust-' || i as customer_id,
                        i % 3 as kind
                    from range(1500) as customers(i)
                ),
                orders as (
                    select
                        customers.customer_id,
                        customers.kind,
                        customers.n,
                        k
                    from customers
                    cross join range(40) as orders(k)
                    where k < case customers.kind when 0 then 25 when 1 then 6 else 2 end
                )
                select
                    'ord-' || n || '-' || k as order_id,
                    customer_id,
                    timestamp '2018-01-01'
                        + to_days(cast(case kind
                            when 0 then 600 + (n * 7 + k * 17) % 490
                            when 1 then 200 + (n * 13 + k * 29) % 700
                            else (n * 11 + k * 3) % 300
                        end as integer))
                        + to_seconds(cast((n * 37 + k * 101) % 86400 as bigint)) as ordered_at,
                    round(case kind
                        when 0 then 8000 + (n * 31 + k * 7) % 20000
                        when 1 then 2500 + (n * 17 + k * 5) % 4000
                        else 600 + (n * 23) % 900
                    end * case when k = 3 and kind = 1 then -0.5 else 1 end, 0) as amount
                from orders
            ) to '{path}' (format parquet)
            """
        )


def test_orders_only_file_from_another_business_builds(tmp_path):
    orders = tmp_path / "orders.parquet"
    write_other_business_orders(orders)
    result = run_dbt(tmp_path / "other.duckdb", dbt_vars={"orders_location": str(orders)})
    assert "Completed successfully" in result.output
    db_path = tmp_path / "other.duckdb"
    features = query(db_path, "select * from feat_customer_features where is_latest_as_of_date")
    assert len(features) == 1500
    assert not features["has_engagement_data"].any()
    assert features[ENGAGEMENT].isna().all().all(), "engagement must be null, not zero-filled"
    registry = query(db_path, "select features_json, n_segments from segment_model_registry")
    model_features = json.loads(registry["features_json"].iloc[0])
    assert not set(model_features) & set(ENGAGEMENT)
    as_of = query(db_path, "select as_of_date from int_as_of_dates where is_latest")
    assert str(as_of["as_of_date"].iloc[0])[:4] == "2020"
    membership = query(db_path, "select * from segment_membership")
    assert len(membership) == 1500
    quality = query(db_path, "select * from data_quality_issues where input_table = 'events'")
    assert not quality["is_input_provided"].any()
    print(f"\norders-only build: {registry['n_segments'].iloc[0]} segments from {model_features}")


def test_orders_after_the_as_of_date_change_no_feature(tmp_path):
    as_of_date = "2026-06-30"
    orders = pd.read_csv(SEEDS / "raw_orders.csv", dtype=str)
    events = pd.read_csv(SEEDS / "raw_events.csv", dtype=str)
    late_orders = orders.sample(n=300, random_state=1).assign(
        order_id=lambda frame: "late-" + frame["order_id"],
        ordered_at="2026-07-15 10:00:00",
        amount="999.99",
    )
    late_events = events.sample(n=300, random_state=1).assign(occurred_at="2026-07-02 08:00:00")
    later = pd.DataFrame(
        {
            "order_id": ["late-new"],
            "customer_id": ["C99999999"],
            "ordered_at": ["2026-08-01 00:00:00"],
            "amount": ["10.00"],
        }
    )
    orders_with_late = pd.concat([orders, late_orders, later], ignore_index=True)
    events_with_late = pd.concat([events, late_events], ignore_index=True)

    tables = {}
    for name, order_frame, event_frame in (
        ("base", orders, events),
        ("late", orders_with_late, events_with_late),
    ):
        folder = tmp_path / name
        folder.mkdir()
        order_frame.to_csv(folder / "orders.csv", index=False)
        event_frame.to_csv(folder / "events.csv", index=False)
        db_path = folder / f"{name}.duckdb"
        run_dbt(
            db_path,
            dbt_vars={
                "orders_location": str(folder / "orders.csv"),
                "events_location": str(folder / "events.csv"),
                "as_of_date": as_of_date,
            },
            extra=["--select", "+feat_customer_features", "--indirect-selection", "cautious"],
        )
        tables[name] = query(
            db_path, "select * from feat_customer_features order by customer_id, as_of_date"
        )
    pd.testing.assert_frame_equal(tables["base"], tables["late"])
    print(f"\nno leakage: {len(tables['base'])} feature rows identical with 301 late orders added")

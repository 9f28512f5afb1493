"""Tests of the synthetic data generator: files, identities and the planted groups."""

import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from customer_segments import generate

CUSTOMERS = 3_000
SEED = 11
TABLES = ("customers", "orders", "events", "true_groups")
END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate.run(CUSTOMERS, SEED, out, fmt="both", progress=False)
    return out


@pytest.fixture(scope="module")
def con(data_dir: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for name in TABLES:
        connection.execute(
            f"create view {name} as select * from read_parquet('{data_dir / name}.parquet')"
        )
    return connection


@pytest.fixture(scope="module")
def features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per-customer features at the end date, with each customer's planted group."""
    return con.sql(
        f"""
        with purchases as (
            select
                customer_id,
                count(*) filter (where amount > 0) as order_count,
                count(*) filter (
                    where amount > 0 and ordered_at >= date '{END}' - interval 89 day
                ) as orders_90d,
                sum(amount) filter (where amount > 0) as gross,
                -coalesce(sum(amount) filter (where amount < 0), 0) as refunded,
                date '{END}' - max(ordered_at)::date as days_since_last_order
            from orders
            group by customer_id
        ),
        recent_events as (
            select
                customer_id,
                count(*) filter (where event_type = 'session') as sessions_90d,
                count(*) filter (where event_type = 'email_sent') as sends_90d,
                count(*) filter (where event_type = 'email_open') as opens_90d,
                count(*) filter (where event_type = 'support_ticket') as tickets_90d
            from events
            where occurred_at >= date '{END}' - interval 89 day
            group by customer_id
        )
        select
            true_groups.customer_id,
            true_groups.true_group,
            coalesce(purchases.order_count, 0) as order_count,
            coalesce(purchases.orders_90d, 0) as orders_90d,
            purchases.days_since_last_order,
            purchases.refunded / purchases.gross as refund_share,
            coalesce(recent_events.sessions_90d, 0) as sessions_90d,
            coalesce(recent_events.opens_90d, 0)
                / greatest(coalesce(recent_events.sends_90d, 0), 1) as open_rate_90d,
            coalesce(recent_events.tickets_90d, 0) as tickets_90d
        from true_groups
        left join purchases on true_groups.customer_id = purchases.customer_id
        left join recent_events on true_groups.customer_id = recent_events.customer_id
        """
    ).df()


def read_bytes(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_writes_every_table_as_parquet_and_csv(data_dir: Path) -> None:
    names = {path.name for path in data_dir.iterdir()}
    assert names == {f"{table}.{ext}" for table in TABLES for ext in ("parquet", "csv")}


def test_same_seed_gives_identical_files(data_dir: Path, tmp_path: Path) -> None:
    generate.run(CUSTOMERS, SEED, tmp_path, fmt="both", progress=False)
    assert read_bytes(tmp_path) == read_bytes(data_dir)


def test_different_seed_gives_different_data(data_dir: Path, tmp_path: Path) -> None:
    generate.run(CUSTOMERS, SEED + 1, tmp_path, fmt="csv", progress=False)
    for table in ("orders", "events", "true_groups"):
        name = f"{table}.csv"
        assert (tmp_path / name).read_bytes() != (data_dir / name).read_bytes()


def test_chunked_run_writes_the_same_rows(data_dir: Path, tmp_path: Path) -> None:
    summary = generate.run(CUSTOMERS, SEED, tmp_path, fmt="both", chunk_size=700, progress=False)
    assert summary.customers == CUSTOMERS
    for table in TABLES:
        name = f"{table}.csv"
        assert (tmp_path / name).read_bytes() == (data_dir / name).read_bytes(), name
        chunked = duckdb.sql(f"select * from '{tmp_path / table}.parquet'").fetchall()
        single = duckdb.sql(f"select * from '{data_dir / table}.parquet'").fetchall()
        assert chunked == single, table
    assert duckdb.sql(
        f"select count(distinct row_group_id) from parquet_metadata('{tmp_path}/customers.parquet')"
    ).fetchone() == (5,)


def test_a_prefix_of_customers_does_not_depend_on_the_total(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    generate.run(1_500, SEED, tmp_path, fmt="parquet", progress=False)
    smaller = duckdb.sql(f"select * from '{tmp_path}/true_groups.parquet'").fetchall()
    larger = con.sql("select * from true_groups where customer_id <= 'C00001500'").fetchall()
    assert smaller == larger


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        (
            "customers",
            [
                ("customer_id", "VARCHAR"),
                ("signed_up_at", "TIMESTAMP"),
                ("country", "VARCHAR"),
                ("acquisition_channel", "VARCHAR"),
            ],
        ),
        (
            "orders",
            [
                ("order_id", "VARCHAR"),
                ("customer_id", "VARCHAR"),
                ("ordered_at", "TIMESTAMP"),
                ("amount", "DOUBLE"),
            ],
        ),
        (
            "events",
            [
                ("event_id", "VARCHAR"),
                ("customer_id", "VARCHAR"),
                ("occurred_at", "TIMESTAMP"),
                ("event_type", "VARCHAR"),
            ],
        ),
        ("true_groups", [("customer_id", "VARCHAR"), ("true_group", "VARCHAR")]),
    ],
)
@pytest.mark.parametrize("ext", ["parquet", "csv"])
def test_schema(data_dir: Path, table: str, columns: list[tuple[str, str]], ext: str) -> None:
    described = duckdb.sql(f"describe select * from '{data_dir / table}.{ext}'").fetchall()
    assert [(row[0], row[1]) for row in described] == columns


def test_csv_formats_timestamps_and_amounts(data_dir: Path) -> None:
    lines = (data_dir / "orders.csv").read_text().splitlines()
    assert lines[0] == "order_id,customer_id,ordered_at,amount"
    row = re.compile(r"O\d{10},C\d{8},\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,-?\d+\.\d\d")
    assert all(row.fullmatch(line) for line in lines[1:])
    header = (data_dir / "events.csv").read_text().splitlines()[0]
    assert header == "event_id,customer_id,occurred_at,event_type"


def test_ids_are_well_formed_and_unique(con: duckdb.DuckDBPyConnection) -> None:
    for table, key, pattern in [
        ("customers", "customer_id", r"C\d{8}"),
        ("orders", "order_id", r"O\d{10}"),
        ("events", "event_id", r"E\d{12}"),
        ("true_groups", "customer_id", r"C\d{8}"),
    ]:
        rows, distinct, well_formed = con.sql(
            f"select count(*), count(distinct {key}), "
            f"count(*) filter (where regexp_full_match({key}, '{pattern}')) from {table}"
        ).fetchone()
        assert rows == distinct == well_formed, table
    assert con.sql("select count(*) from customers").fetchone() == (CUSTOMERS,)


def test_foreign_keys_resolve(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("orders", "events", "true_groups"):
        orphans = con.sql(
            f"select count(*) from {table} anti join customers using (customer_id)"
        ).fetchone()
        assert orphans == (0,), table
    assert con.sql(
        "select count(*) from customers anti join true_groups using (customer_id)"
    ).fetchone() == (0,)


def test_only_known_categories(con: duckdb.DuckDBPyConnection) -> None:
    def distinct(table: str, column: str) -> set[str]:
        return {row[0] for row in con.sql(f"select distinct {column} from {table}").fetchall()}

    assert distinct("events", "event_type") == set(generate.EVENT_TYPES)
    assert distinct("customers", "acquisition_channel") == set(generate.CHANNELS)
    assert distinct("customers", "country") <= set(generate.COUNTRIES)
    assert distinct("true_groups", "true_group") == set(generate.GROUP_NAMES)


def test_nothing_happens_after_the_end_date_or_before_sign_up(
    con: duckdb.DuckDBPyConnection,
) -> None:
    limit = f"timestamp '{END} 23:59:59'"
    for table, column in [
        ("customers", "signed_up_at"),
        ("orders", "ordered_at"),
        ("events", "occurred_at"),
    ]:
        latest, earliest = con.sql(f"select max({column}), min({column}) from {table}").fetchone()
        assert latest <= pd.Timestamp(f"{END} 23:59:59").to_pydatetime(), table
        assert earliest.date() > date(END.year - 3, END.month, END.day), table
        assert con.sql(f"select count(*) from {table} where {column} > {limit}").fetchone() == (0,)
    for table, column in [("orders", "ordered_at"), ("events", "occurred_at")]:
        early = con.sql(
            f"select count(*) from {table} join customers using (customer_id) "
            f"where {column} < signed_up_at"
        ).fetchone()
        assert early == (0,), table


def test_end_date_option_moves_the_history(tmp_path: Path) -> None:
    generate.main(
        ["--customers", "300", "--seed", "3", "--out", str(tmp_path), "--end-date", "2025-01-31"]
    )
    latest = duckdb.sql(f"select max(occurred_at) from '{tmp_path}/events.parquet'").fetchone()[0]
    assert latest.date() <= date(2025, 1, 31)
    assert latest.date() >= date(2025, 1, 1)


def test_amounts_have_two_decimals_and_refunds_are_covered(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert con.sql("select count(*) from orders where amount = 0").fetchone() == (0,)
    assert con.sql("select count(*) from orders where round(amount, 2) <> amount").fetchone() == (
        0,
    )
    refunds = con.sql("select count(*) from orders where amount < 0").fetchone()[0]
    assert refunds > 0
    # Every refund has an earlier purchase by the same customer at least as large.
    uncovered = con.sql(
        """
        select count(*) from orders as refund
        where refund.amount < 0 and not exists (
            select 1 from orders as purchase
            where purchase.customer_id = refund.customer_id
                and purchase.amount >= -refund.amount
                and purchase.ordered_at < refund.ordered_at
        )
        """
    ).fetchone()
    assert uncovered == (0,)
    overdrawn = con.sql(
        "select count(*) from (select customer_id from orders group by all having sum(amount) < 0)"
    ).fetchone()
    assert overdrawn == (0,)


def test_email_funnel_never_widens(con: duckdb.DuckDBPyConnection) -> None:
    violations = con.sql(
        """
        select count(*) from (
            select
                customer_id,
                count(*) filter (where event_type = 'email_sent') as sends,
                count(*) filter (where event_type = 'email_open') as opens,
                count(*) filter (where event_type = 'email_click') as clicks
            from events
            group by customer_id
        )
        where not (clicks <= opens and opens <= sends)
        """
    ).fetchone()
    assert violations == (0,)
    # Weekly cadence: nobody gets two newsletters within six days.
    too_close = con.sql(
        """
        select count(*) from (
            select occurred_at - lag(occurred_at) over (
                partition by customer_id order by occurred_at
            ) as gap
            from events where event_type = 'email_sent'
        )
        where gap < interval 6 day
        """
    ).fetchone()
    assert too_close == (0,)


def test_group_shares_and_customers_without_orders(features: pd.DataFrame) -> None:
    shares = features.true_group.value_counts(normalize=True)
    expected = {group.name: group.share for group in generate.GROUPS}
    for name, share in expected.items():
        assert abs(shares[name] - share) < 0.03, name
    no_orders = features[features.true_group == "no_orders"]
    assert (no_orders.order_count == 0).all()
    buyers = features[features.true_group != "no_orders"]
    assert (buyers.order_count > 0).all()


def test_about_a_tenth_of_purchasers_have_no_events(con: duckdb.DuckDBPyConnection) -> None:
    share = con.sql(
        """
        select avg((customer_id not in (select customer_id from events))::int)
        from (select distinct customer_id from orders)
        """
    ).fetchone()[0]
    assert 0.06 <= share <= 0.16


def test_groups_differ_in_the_planted_directions(features: pd.DataFrame) -> None:
    by_group = features.groupby("true_group")
    median = by_group.median(numeric_only=True)
    mean = by_group.mean(numeric_only=True)
    recency = median.days_since_last_order
    assert recency["champions"] < recency["loyal"] < recency["at_risk"] < recency["dormant"]
    assert recency["new"] < recency["loyal"]
    order_count = mean.order_count
    assert order_count["champions"] > order_count["loyal"] > order_count["dormant"]
    assert order_count["at_risk"] > order_count["dormant"]
    assert mean.refund_share.idxmax() == "bargain_hunters"
    assert mean.tickets_90d.idxmax() == "at_risk"
    assert mean.sessions_90d["champions"] > mean.sessions_90d["loyal"]
    assert mean.sessions_90d["new"] > mean.sessions_90d["loyal"]
    assert mean.open_rate_90d["champions"] > mean.open_rate_90d["loyal"]
    assert mean.open_rate_90d["dormant"] < 0.05
    assert mean.orders_90d["champions"] > mean.orders_90d["loyal"] > mean.orders_90d["at_risk"]
    # Definitions behind the names: new buyers ordered recently, dormant ones long ago.
    assert features.loc[features.true_group == "new", "days_since_last_order"].max() <= 61
    assert features.loc[features.true_group == "dormant", "days_since_last_order"].min() >= 300
    at_risk = features.loc[features.true_group == "at_risk", "days_since_last_order"]
    assert at_risk.between(120, 301).all()


def test_volumes_per_customer(con: duckdb.DuckDBPyConnection) -> None:
    orders, events = con.sql(
        f"select (select count(*) from orders) / {CUSTOMERS}, "
        f"(select count(*) from events) / {CUSTOMERS}"
    ).fetchone()
    assert 7 <= orders <= 12
    assert 40 <= events <= 65


def test_cli_writes_dbt_seeds_and_truth(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    truth = tmp_path / "fixtures" / "truth.csv"
    code = generate.main(
        [
            "--customers", "200", "--seed", "7", "--out", str(seeds),
            "--dbt-seeds", "--truth-out", str(truth), "--chunk-size", "64",
        ]
    )  # fmt: skip
    assert code == 0
    assert sorted(path.name for path in seeds.iterdir()) == [
        "raw_customers.csv",
        "raw_events.csv",
        "raw_orders.csv",
    ]
    assert truth.read_text().splitlines()[0] == "customer_id,true_group"
    assert duckdb.sql(f"select count(*) from '{truth}'").fetchone() == (200,)


def test_default_format_depends_on_size(tmp_path: Path) -> None:
    generate.main(["--customers", "50", "--seed", "1", "--out", str(tmp_path)])
    assert {path.suffix for path in tmp_path.iterdir()} == {".parquet", ".csv"}


@pytest.mark.parametrize(
    "extra",
    [
        ["--dbt-seeds", "--format", "parquet"],
        ["--chunk-size", "0"],
        ["--truth-out", "truth.txt"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path: Path, extra: list[str]) -> None:
    args = ["--customers", "10", "--seed", "1", "--out", str(tmp_path / "out"), *extra]
    assert generate.main(args) == 2


FEATURES_SQL = """
with purchases as (
    select
        customer_id,
        date '{end}' - max(ordered_at)::date as days_since_last_order,
        count(*) as order_count,
        count(*) filter (where ordered_at >= date '{end}' - interval 89 day) as orders_90d,
        sum(amount) as gross,
        count(distinct date_trunc('month', ordered_at)) as active_months
    from orders
    where amount > 0
    group by customer_id
),
money as (
    select
        customer_id,
        sum(amount) as net_spend,
        -coalesce(sum(amount) filter (where amount < 0), 0) as refunded
    from orders
    group by customer_id
),
recent_events as (
    select
        customer_id,
        count(*) filter (where event_type = 'session') as sessions_90d,
        count(*) filter (where event_type = 'email_sent') as sends,
        count(*) filter (where event_type = 'email_open') as opens,
        count(*) filter (where event_type = 'email_click') as clicks,
        count(*) filter (where event_type = 'support_ticket') as support_tickets_90d
    from events
    where occurred_at >= date '{end}' - interval 89 day
    group by customer_id
),
last_events as (
    select customer_id, date '{end}' - max(occurred_at)::date as days_since_last_event
    from events
    group by customer_id
)
select
    customer_id,
    true_groups.true_group,
    purchases.days_since_last_order,
    purchases.order_count,
    purchases.orders_90d,
    money.net_spend,
    purchases.gross / purchases.order_count as avg_order_value,
    purchases.active_months,
    money.refunded / purchases.gross as refund_share,
    coalesce(recent_events.sessions_90d, 0) as sessions_90d,
    coalesce(recent_events.opens / nullif(recent_events.sends, 0), 0) as email_open_rate,
    coalesce(recent_events.clicks / nullif(recent_events.sends, 0), 0) as email_click_rate,
    coalesce(recent_events.support_tickets_90d, 0) as support_tickets_90d,
    coalesce(
        last_events.days_since_last_event, date '{end}' - customers.signed_up_at::date
    ) as days_since_last_event
from purchases
join money using (customer_id)
join customers using (customer_id)
join true_groups using (customer_id)
left join recent_events using (customer_id)
left join last_events using (customer_id)
order by customer_id
"""
LOGGED = [
    "days_since_last_order",
    "order_count",
    "orders_90d",
    "net_spend",
    "avg_order_value",
    "active_months",
    "sessions_90d",
    "support_tickets_90d",
    "days_since_last_event",
]


def test_a_gaussian_mixture_recovers_the_groups(tmp_path: Path) -> None:
    generate.run(10_000, 12, tmp_path, fmt="parquet", progress=False)
    connection = duckdb.connect()
    for name in TABLES:
        connection.execute(f"create view {name} as select * from '{tmp_path / name}.parquet'")
    frame = connection.sql(FEATURES_SQL.format(end=END)).df()
    values = frame.drop(columns=["customer_id", "true_group"]).astype(float)
    values[LOGGED] = np.log1p(values[LOGGED])
    standardized = (values - values.mean()) / values.std()
    model = GaussianMixture(n_components=6, n_init=3, random_state=0)
    labels = model.fit_predict(standardized.to_numpy())
    assert adjusted_rand_score(frame.true_group, labels) >= 0.9


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A realistic-profile data set: most customers buy once, spend is heavy-tailed."""
    out = tmp_path_factory.mktemp("realistic")
    generate.run(20_000, 5, out, fmt="parquet", progress=False, profile="realistic")
    connection = duckdb.connect()
    for name in TABLES:
        connection.execute(f"create view {name} as select * from '{out / name}.parquet'")
    return connection


def test_realistic_profile_is_shaped_like_a_purchase_log(
    realistic: duckdb.DuckDBPyConnection,
) -> None:
    one_time, median_orders, p99_orders, mean_spend, median_spend, p99_spend = realistic.sql(
        """
        with buyers as (
            select customer_id, count(*) filter (where amount > 0) as n, sum(amount) as spend
            from orders group by customer_id
        )
        select
            avg((n = 1)::int), median(n), quantile_cont(n, 0.99),
            avg(spend), median(spend), quantile_cont(spend, 0.99)
        from buyers
        """
    ).fetchone()
    assert 0.45 <= one_time <= 0.65  # a majority buys exactly once
    assert median_orders == 1
    assert p99_orders >= 25  # order counts are heavy-tailed
    assert mean_spend > 2.5 * median_spend  # so is spend
    assert p99_spend > 25 * median_spend


def test_realistic_profile_has_zero_inflated_refunds_and_tickets(
    realistic: duckdb.DuckDBPyConnection,
) -> None:
    refunders, ticket_holders = realistic.sql(
        """
        select
            (select count(distinct customer_id) filter (where amount < 0)
                / count(distinct customer_id) from orders),
            (select count(distinct customer_id) from events where event_type = 'support_ticket')
                / (select count(distinct customer_id) from orders)
        """
    ).fetchone()
    assert 0.03 <= refunders <= 0.25
    assert 0.02 <= ticket_holders <= 0.3


def test_realistic_customers_lapse_and_come_back(realistic: duckdb.DuckDBPyConnection) -> None:
    long_gaps, repeat_after_long_gap = realistic.sql(
        """
        with gaps as (
            select customer_id,
                ordered_at::date - lag(ordered_at::date) over (
                    partition by customer_id order by ordered_at
                ) as gap
            from orders where amount > 0
        )
        select avg((gap > 180)::int), count(distinct customer_id) filter (where gap > 180)
        from gaps where gap is not null
        """
    ).fetchone()
    assert 0.02 <= long_gaps <= 0.2  # most repeat gaps are short, some are comebacks
    assert repeat_after_long_gap >= 200


def test_realistic_orders_follow_the_seasons_and_keep_going(
    realistic: duckdb.DuckDBPyConnection,
) -> None:
    by_month = dict(
        realistic.sql(
            """
            select month(ordered_at), count(*) from orders
            where amount > 0 and ordered_at >= date '2024-07-01' and ordered_at < date '2025-07-01'
            group by 1
            """
        ).fetchall()
    )
    assert by_month[12] > 1.3 * by_month[8]  # the December peak over the summer dip
    # Orders in the last quarter: a build at an earlier as-of date has a future to compare with.
    last_quarter = realistic.sql(
        "select count(*) from orders where ordered_at >= date '2026-04-01'"
    ).fetchone()[0]
    assert last_quarter > 0.05 * realistic.sql("select count(*) from orders").fetchone()[0]


def test_realistic_truth_names_hidden_classes(realistic: duckdb.DuckDBPyConnection) -> None:
    shares = dict(
        realistic.sql(
            "select true_group, count(*) / sum(count(*)) over () from true_groups group by 1"
        ).fetchall()
    )
    assert set(shares) == set(generate.REALISTIC_NAMES)
    assert abs(shares["never_ordered"] - generate.NEVER_ORDERED_SHARE) < 0.02
    never = realistic.sql(
        """
        select count(*) from true_groups join orders using (customer_id)
        where true_group = 'never_ordered'
        """
    ).fetchone()[0]
    assert never == 0


def test_realistic_profile_is_deterministic_and_chunk_independent(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    generate.run(2_500, 9, one, fmt="parquet", progress=False, profile="realistic")
    generate.run(2_500, 9, two, fmt="parquet", progress=False, profile="realistic", chunk_size=700)
    for table in ("orders", "events", "customers", "true_groups"):
        left = duckdb.sql(f"select * from '{one / table}.parquet' order by all").fetchall()
        right = duckdb.sql(f"select * from '{two / table}.parquet' order by all").fetchall()
        assert left == right, table


def test_cli_takes_the_profile(tmp_path: Path) -> None:
    code = generate.main(
        ["--customers", "1000", "--seed", "3", "--out", str(tmp_path), "--profile", "realistic"]
    )
    assert code == 0
    groups = duckdb.sql(f"select distinct true_group from '{tmp_path}/true_groups.parquet'")
    assert {row[0] for row in groups.fetchall()} <= set(generate.REALISTIC_NAMES)


def test_realistic_rows_stay_inside_the_history(realistic: duckdb.DuckDBPyConnection) -> None:
    outside = realistic.sql(
        f"""
        select
            (select count(*) from orders where ordered_at >= date '{END}' + interval 1 day),
            (select count(*) from events where occurred_at >= date '{END}' + interval 1 day),
            (select count(*) from orders join customers using (customer_id)
                where ordered_at < signed_up_at),
            (select count(*) from events join customers using (customer_id)
                where occurred_at < signed_up_at)
        """
    ).fetchone()
    assert outside == (0, 0, 0, 0)

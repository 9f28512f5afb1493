"""Bad input, each case a real `dbt build` on crafted files: a correct result or a clear error.

Every error case also checks that nothing was published (no segment table, no readers' file).
"""

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import REPO, generate, query, run_dbt

BASE_CUSTOMERS = 600


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """A small clean generated data set (CSV) that each case alters."""
    folder = tmp_path_factory.mktemp("base")
    generate(folder, customers=BASE_CUSTOMERS, seed=3, file_format="csv")
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str)
        for name in ("orders", "customers", "events")
    }


def build(tmp_path: Path, frames: dict[str, pd.DataFrame], dbt_vars: dict | None = None):
    """Write the frames as CSV inputs and run dbt build on a fresh warehouse."""
    locations = {}
    for name, frame in frames.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        locations[f"{name}_location"] = str(path)
    return run_dbt(
        tmp_path / "case.duckdb", dbt_vars={**locations, **(dbt_vars or {})}, check=False
    )


def issues(result) -> dict[tuple[str, str], int]:
    """data_quality_issues of a build as {(input, issue): rows}."""
    frame = query(result.db_path, "select * from data_quality_issues")
    return {(row.input_table, row.issue): row.affected_rows for row in frame.itertuples()}


def assert_failed_without_publishing(result, *phrases: str) -> None:
    """The build failed, said why, and published nothing."""
    assert not result.ok
    for phrase in phrases:
        assert phrase in result.output, f"{phrase!r} not in the dbt output"
    assert not result.db_path.with_name("case_published.duckdb").exists()
    if result.db_path.exists():
        with duckdb.connect(str(result.db_path), read_only=True) as connection:
            tables = {
                row[0]
                for row in connection.sql("select table_name from duckdb_tables()").fetchall()
            }
        assert not tables & {"segment_membership", "segment_profiles", "segment_rules"}


def assert_published(result) -> pd.DataFrame:
    """The build passed and published a membership; return it."""
    assert result.ok, result.output[-4000:]
    return query(result.db_path, "select * from segment_membership")


def test_empty_orders(base, tmp_path):
    result = build(tmp_path, {"orders": base["orders"].iloc[:0]})
    assert_failed_without_publishing(result, "int_fit_sample has 0")


def test_one_customer(base, tmp_path):
    orders = base["orders"]
    result = build(
        tmp_path, {"orders": orders[orders["customer_id"] == orders["customer_id"].iloc[0]]}
    )
    assert_failed_without_publishing(result, "int_fit_sample has 1", "min_fit_customers")


@pytest.mark.parametrize("rows", [1, 2])
def test_files_of_one_and_two_rows(base, tmp_path, rows):
    result = build(tmp_path, {"orders": base["orders"].iloc[:rows]})
    assert_failed_without_publishing(result, "segment fit needs at least")


def test_every_customer_identical_gives_one_segment(tmp_path):
    orders = pd.DataFrame(
        [
            {
                "order_id": f"o{c}-{k}",
                "customer_id": f"c{c:03d}",
                "ordered_at": f"2026-0{k + 1}-15 12:00:00",
                "amount": "40.00",
            }
            for c in range(200)
            for k in range(3)
        ]
    )
    result = build(tmp_path, {"orders": orders})
    membership = assert_published(result)
    assert membership["segment_id"].nunique() == 1
    assert len(membership) == 200
    assert "ONE segment" in result.output
    rules = query(result.db_path, "select * from segment_rules")
    assert len(rules) == 1 and rules["rule_sql"].iloc[0] == "true"


def test_null_and_duplicate_customer_ids(base, tmp_path):
    orders = base["orders"].copy()
    orders.loc[orders.index[:7], "customer_id"] = None
    customers = pd.concat(
        [base["customers"], base["customers"].iloc[:5].assign(signed_up_at="2025-01-01 00:00:00")]
    )
    result = build(tmp_path, {"orders": orders, "customers": customers, "events": base["events"]})
    assert_published(result)
    found = issues(result)
    assert found[("orders", "null_customer_id")] == 7
    assert found[("customers", "duplicate_customer_id")] == 5


def test_duplicate_order_ids_with_different_amounts(base, tmp_path):
    orders = base["orders"]
    conflict = orders.iloc[:3].assign(amount="12345.67")
    result = build(tmp_path, {"orders": pd.concat([orders, conflict]), "events": base["events"]})
    membership = assert_published(result)
    assert issues(result)[("orders", "conflicting_duplicate_order_id")] == 6
    stg = query(
        result.db_path,
        "select * from stg_raw__orders where order_id in "
        f"({', '.join(repr(o) for o in conflict['order_id'])})",
    )
    assert (stg["invalid_reason"] == "conflicting_duplicate_order_id").all()
    assert len(membership) > 0


def test_orders_dated_after_the_as_of_date(base, tmp_path):
    result = build(tmp_path, {"orders": base["orders"]}, {"as_of_date": "2026-03-31"})
    assert_published(result)
    late = (pd.to_datetime(base["orders"]["ordered_at"]) >= "2026-04-01").sum()
    assert issues(result)[("orders", "after_as_of_date")] == late > 0
    features = query(result.db_path, "select max(as_of_date) as as_of from feat_customer_features")
    assert str(features["as_of"].iloc[0])[:10] == "2026-03-31"


def test_negative_and_zero_amounts(base, tmp_path):
    orders = base["orders"].copy()
    orders.loc[orders.index[:20], "amount"] = "0"
    orders.loc[orders.index[20:40], "amount"] = "-5.00"
    result = build(tmp_path, {"orders": orders})
    assert_published(result)
    stg = query(
        result.db_path,
        "select count(*) as n from stg_raw__orders where amount = 0 and invalid_reason is null",
    )
    assert stg["n"].iloc[0] >= 20


def test_non_numeric_amounts_in_csv(base, tmp_path):
    orders = base["orders"].copy()
    orders.loc[orders.index[:4], "amount"] = ["12,50", "abc", "€10", "1.2.3"]
    result = build(tmp_path, {"orders": orders})
    assert_published(result)
    assert issues(result)[("orders", "unparseable_amount")] == 4


def test_mixed_timestamp_formats_and_time_zones(base, tmp_path):
    orders = base["orders"].copy()
    stamps = [
        "2026-01-05T10:00:00+02:00",
        "2026-01-05T08:00:00Z",
        "2026/01/05 08:00:00",
        "05.01.2026 08:00:00",
        "not a date",
    ]
    orders.loc[orders.index[: len(stamps)], "ordered_at"] = stamps
    result = build(tmp_path, {"orders": orders})
    assert_published(result)
    ids = ", ".join(repr(o) for o in orders["order_id"].iloc[: len(stamps)])
    stg = query(
        result.db_path,
        "select order_id, ordered_at, invalid_reason from stg_raw__orders "
        f"where order_id in ({ids}) order by order_id",
    )
    parsed = stg.set_index("order_id").loc[list(orders["order_id"].iloc[: len(stamps)])]
    assert (parsed["ordered_at"].iloc[:4] == pd.Timestamp("2026-01-05 08:00:00")).all()
    assert parsed["invalid_reason"].iloc[4] == "unparseable_timestamp"


def test_unknown_event_types(base, tmp_path):
    events = base["events"].copy()
    events.loc[events.index[:9], "event_type"] = "page_teleport"
    events.loc[events.index[9:12], "event_type"] = " Email Opened "
    result = build(tmp_path, {"orders": base["orders"], "events": events})
    assert_published(result)
    assert issues(result)[("events", "unknown_event_type")] == 9
    stg = query(
        result.db_path,
        "select count(*) as n from stg_raw__events "
        "where source_event_type = 'email_opened' and event_type = 'email_open'",
    )
    assert stg["n"].iloc[0] >= 3


def test_an_unlisted_invalid_reason_fails_data_quality_issues(base, tmp_path):
    # The events view's invalid_reason has no test of its own (it would scan every event again):
    # data_quality_issues counts every reason, and a reason it does not describe must fail it.
    project = tmp_path / "project"
    for folder in ("models", "python_models", "macros", "tests", "seeds"):
        shutil.copytree(REPO / folder, project / folder, ignore=shutil.ignore_patterns("python"))
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(REPO / name, project / name)
    staging = project / "models" / "staging" / "raw" / "stg_raw__events.sql"
    staging.write_text(
        staging.read_text().replace("then 'unknown_event_type'", "then 'unlisted_reason'")
    )
    events = base["events"].copy()
    events.loc[events.index[:9], "event_type"] = "page_teleport"
    locations = {}
    for name, frame in {"orders": base["orders"], "events": events}.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        locations[f"{name}_location"] = str(tmp_path / f"{name}.csv")
    result = run_dbt(
        tmp_path / "case.duckdb",
        dbt_vars=locations,
        extra=["--select", "+data_quality_issues"],
        check=False,
        project_dir=project,
    )
    assert not result.ok
    assert "not_null_data_quality_issues_issue_description" in result.output
    unlisted = query(
        result.db_path,
        "select affected_rows, issue_description from data_quality_issues "
        "where input_table = 'events' and issue = 'unlisted_reason'",
    )
    assert unlisted["affected_rows"].tolist() == [9]
    assert unlisted["issue_description"].isna().all()


def test_events_of_customers_with_no_orders(base, tmp_path):
    stranger = base["events"].iloc[:6].assign(customer_id="C99999999")
    result = build(
        tmp_path, {"orders": base["orders"], "events": pd.concat([base["events"], stranger])}
    )
    membership = assert_published(result)
    assert "C99999999" not in set(membership["customer_id"])
    assert issues(result)[("events", "customer_without_orders")] >= 6


def test_missing_required_column(base, tmp_path):
    result = build(tmp_path, {"orders": base["orders"].drop(columns=["amount"])})
    assert_failed_without_publishing(result, "missing required column(s): amount", "orders.csv")


def test_csv_with_bom_and_crlf(base, tmp_path):
    path = tmp_path / "orders.csv"
    text = base["orders"].to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = run_dbt(tmp_path / "case.duckdb", dbt_vars={"orders_location": str(path)}, check=False)
    membership = assert_published(result)
    expected = query(
        result.db_path,
        "select count(distinct customer_id) as n from stg_raw__orders where invalid_reason is null",
    )
    assert len(membership) == expected["n"].iloc[0] > 0
    assert issues(result)[("orders", "unparseable_amount")] == 0


def test_one_customer_with_a_billion_in_spend(base, tmp_path):
    orders = base["orders"].copy()
    whale = orders["customer_id"].iloc[0]
    orders.loc[orders.index[0], "amount"] = "1000000000.00"
    result = build(tmp_path, {"orders": orders, "events": base["events"]})
    membership = assert_published(result)
    row = membership[membership["customer_id"] == whale]
    assert len(row) == 1 and 0 <= row["segment_probability"].iloc[0] <= 1
    assert membership["segment_id"].nunique() >= 2, "one outlier must not collapse the segments"


def test_wrong_path_in_a_location_var(base, tmp_path):
    result = run_dbt(
        tmp_path / "case.duckdb",
        dbt_vars={"orders_location": str(tmp_path / "nowhere" / "orders*.parquet")},
        check=False,
    )
    assert_failed_without_publishing(result, "orders_location", "matches no file")

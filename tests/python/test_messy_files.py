"""Messy real files: no silent loss, no date that moves the world (Part 13).

Each case is a crafted CSV (the small generated base, altered the way real exports are) and one
real `dbt build`. Cases that only need the input accounting build up to data_quality_issues and
its tests (`--select +data_quality_issues`); the ones about publishing build everything.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DBT, REPO, generate, query, run_dbt

BASE_CUSTOMERS = 600
ACCOUNTING = ["--select", "+data_quality_issues", "--indirect-selection", "cautious"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small clean generated data set (CSV files), ending 2026-06-30."""
    folder = tmp_path_factory.mktemp("messy_base")
    generate(folder, customers=BASE_CUSTOMERS, seed=5, file_format="csv")
    return folder


@pytest.fixture(scope="module")
def orders(base) -> pd.DataFrame:
    """The orders of the base data set, as text columns."""
    return pd.read_csv(base / "orders.csv", dtype=str)


def build_file(tmp_path: Path, content: str | bytes, dbt_vars=None, extra=None, name="orders.csv"):
    """Write content as the orders file and dbt build on a fresh warehouse."""
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return run_dbt(
        tmp_path / "case.duckdb",
        dbt_vars={"orders_location": str(path), **(dbt_vars or {})},
        extra=extra,
        check=False,
    )


def issues(result, input_table="orders") -> dict[str, tuple[int, str | None]]:
    """One input's rows of data_quality_issues as {issue: (rows, example)}."""
    frame = query(
        result.db_path,
        "select issue, affected_rows, example_value from data_quality_issues "
        f"where input_table = '{input_table}'",
    )
    return {row.issue: (row.affected_rows, row.example_value) for row in frame.itertuples()}


def staged(result) -> pd.DataFrame:
    """stg_raw__orders of a build."""
    return query(result.db_path, "select * from stg_raw__orders")


def as_of_date(result) -> str:
    """The build's as-of date."""
    frame = query(result.db_path, "select as_of_date from int_as_of_dates where is_latest")
    return str(frame["as_of_date"].iloc[0])[:10]


def assert_failed(result, *phrases: str) -> None:
    """The build failed, saying each phrase, and published nothing."""
    assert not result.ok, result.output[-3000:]
    for phrase in phrases:
        assert phrase in result.output, f"{phrase!r} not in:\n{result.output[-3000:]}"
    assert "Traceback" not in result.output
    if result.db_path.exists():
        # every schema: a published name anywhere means something was published
        tables = set(query(result.db_path, "select table_name from duckdb_tables()")["table_name"])
        assert "segment_membership" not in tables


# ---- the damages of the issue -----------------------------------------------------------------


def test_day_first_dates_are_detected_and_read_right(orders, tmp_path):
    stamps = pd.to_datetime(orders["ordered_at"])
    day_first = orders.assign(ordered_at=stamps.dt.strftime("%d/%m/%Y %H:%M:%S"))
    result = build_file(tmp_path, day_first.to_csv(index=False), extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    assert "day-first dates" in result.output
    found = issues(result)
    assert found["unparseable_timestamp"][0] == 0
    rows = staged(result).set_index("order_id")["ordered_at"]
    expected = stamps.set_axis(orders["order_id"])
    assert (rows.loc[expected.index] == expected).all()  # 12 June stays 12 June
    assert as_of_date(result) == str(stamps.max().date())


def test_day_or_month_first_without_evidence_stops_and_names_the_var(orders, tmp_path):
    early = orders.iloc[:200].assign(ordered_at=[f"0{1 + i % 9}/1{i % 3}/2025" for i in range(200)])
    result = build_file(tmp_path, early.to_csv(index=False), extra=ACCOUNTING)
    assert_failed(result, "orders.ordered_at", "orders_timestamp_format", "no field is above 12")
    # Setting the var decides it: 01/10/2025 is then the 1st of October.
    decided = build_file(
        tmp_path, early.to_csv(index=False), {"orders_timestamp_format": "day_first"}, ACCOUNTING
    )
    assert decided.ok, decided.output[-3000:]
    first = staged(decided).set_index("order_id").loc[early["order_id"].iloc[0], "ordered_at"]
    assert str(first)[:10] == "2025-10-01"


def test_mixed_day_and_month_first_stops(orders, tmp_path):
    mixed = orders.iloc[:300].copy()
    mixed.loc[mixed.index[:150], "ordered_at"] = "31/01/2026"
    mixed.loc[mixed.index[150:], "ordered_at"] = "01/31/2026"
    result = build_file(tmp_path, mixed.to_csv(index=False), extra=ACCOUNTING)
    assert_failed(result, "mixes day-first and month-first", "orders_timestamp_format")


def test_a_wrong_timestamp_format_var_is_past_the_loss_threshold(orders, warehouse_copy, tmp_path):
    """The var says month-first, the file is day-first: most rows do not parse. Nothing is
    published, the last good tables stay, and the message names input, reason, count, share and
    an example."""
    published = query(warehouse_copy, "select * from segment_membership order by all")
    readers = warehouse_copy.with_name("copy_published.duckdb").read_bytes()
    stamps = pd.to_datetime(orders["ordered_at"])
    day_first = orders.assign(ordered_at=stamps.dt.strftime("%d/%m/%Y"))
    path = tmp_path / "orders.csv"
    day_first.to_csv(path, index=False)
    result = run_dbt(
        warehouse_copy,
        dbt_vars={"orders_location": str(path), "orders_timestamp_format": "month_first"},
        check=False,
    )
    unparseable = int((stamps.dt.day > 12).sum())
    share = f"{100 * unparseable / len(orders):.1f}%"
    assert not result.ok
    for phrase in (
        "Input orders",
        f"{unparseable} of {len(orders)} lines",
        share,
        "unparseable_timestamp",
        "e.g. '",
        "max_excluded_share",
        "Nothing was published",
    ):
        assert phrase in result.output, phrase
    assert "SKIP relation main_intermediate.int_publish_gate" in result.output
    after = query(warehouse_copy, "select * from segment_membership order by all")
    pd.testing.assert_frame_equal(published, after)
    assert warehouse_copy.with_name("copy_published.duckdb").read_bytes() == readers


def test_a_small_loss_warns_and_thresholds_are_vars(orders, tmp_path):
    lossy = orders.copy()
    lossy.loc[lossy.index[: len(lossy) // 50], "amount"] = "n/a"  # 2%: past warn, under error
    result = build_file(tmp_path, lossy.to_csv(index=False), extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    assert "WARN" in result.output and "data_quality_within_thresholds" in result.output
    stricter = build_file(
        tmp_path,
        lossy.to_csv(index=False),
        {
            "max_excluded_share_by_reason": {
                "orders": {"unparseable_amount": {"error_if": "> 0.01"}}
            }
        },
        ACCOUNTING,
    )
    assert_failed(stricter, "excluded as unparseable_amount", "e.g. 'n/a'")
    bad_var = build_file(
        tmp_path,
        lossy.to_csv(index=False),
        {"max_excluded_share": {"orders": {"error_if": "lots"}}},
        ACCOUNTING,
    )
    assert_failed(bad_var, "Var max_excluded_share: 'lots' is not a threshold")


def test_an_order_dated_2099_is_in_the_future_and_moves_nothing(orders, tmp_path):
    garbage = pd.DataFrame(
        [
            {
                "order_id": "GARBAGE",
                "customer_id": orders["customer_id"].iloc[0],
                "ordered_at": "2099-01-01",
                "amount": "10.00",
            }
        ]
    )
    result = build_file(
        tmp_path, pd.concat([orders, garbage]).to_csv(index=False), extra=ACCOUNTING
    )
    assert result.ok, result.output[-3000:]
    assert issues(result)["in_the_future"] == (1, "2099-01-01")
    assert as_of_date(result) == str(pd.to_datetime(orders["ordered_at"]).max().date())


def test_typed_parquet_rows_in_the_future_are_counted_with_their_time(orders, base, tmp_path):
    # A typed file skips the text round trip (no per-row cast to look for line breaks or to keep
    # the raw text): the example is the time itself, and nothing is read as a broken line.
    future = {"customer_id": orders["customer_id"].iloc[0], "ordered_at": "2099-01-01"}
    typed_orders = pd.concat(
        [orders, pd.DataFrame([{**future, "order_id": "GARBAGE", "amount": "10.00"}])]
    ).assign(ordered_at=lambda frame: pd.to_datetime(frame["ordered_at"], format="ISO8601"))
    typed_orders["amount"] = typed_orders["amount"].astype(float)
    events = pd.read_csv(base / "events.csv", dtype=str)
    typed_events = pd.concat(
        [
            events,
            pd.DataFrame(
                [
                    {
                        "event_id": "GARBAGE",
                        "customer_id": future["customer_id"],
                        "occurred_at": "2099-01-01 00:00:00",
                        "event_type": "session",
                    }
                ]
            ),
        ]
    ).assign(occurred_at=lambda frame: pd.to_datetime(frame["occurred_at"], format="ISO8601"))
    paths = {name: tmp_path / f"{name}.parquet" for name in ("orders", "events")}
    with duckdb.connect() as connection:
        for name, frame in (("orders", typed_orders), ("events", typed_events)):
            connection.register(name, frame)
            connection.execute(f"copy {name} to '{paths[name]}' (format parquet)")
        types = {
            name: {
                row[0]: row[1]
                for row in connection.sql(f"describe select * from '{path}'").fetchall()
            }
            for name, path in paths.items()
        }
    assert types["orders"]["amount"] == "DOUBLE"
    assert types["orders"]["ordered_at"].startswith("TIMESTAMP")
    assert types["events"]["occurred_at"].startswith("TIMESTAMP")
    result = run_dbt(
        tmp_path / "case.duckdb",
        dbt_vars={
            "orders_location": str(paths["orders"]),
            "events_location": str(paths["events"]),
        },
        extra=ACCOUNTING,
        check=False,
    )
    assert result.ok, result.output[-3000:]
    assert issues(result)["in_the_future"] == (1, "2099-01-01 00:00:00")
    assert issues(result)["unterminated_quote"][0] == 0
    assert len(staged(result)) == len(typed_orders.drop_duplicates())
    assert issues(result, "events")["in_the_future"] == (1, "2099-01-01 00:00:00")
    assert issues(result, "events")["null_timestamp"][0] == 0


def test_a_default_as_of_date_after_a_long_gap_is_refused(orders, tmp_path):
    stray = pd.DataFrame(
        [
            {
                "order_id": "STRAY",
                "customer_id": orders["customer_id"].iloc[0],
                "ordered_at": "2026-11-30 10:00:00",
                "amount": "10.00",
            }
        ]
    )
    content = pd.concat([orders, stray]).to_csv(index=False)
    result = build_file(tmp_path, content, extra=ACCOUNTING)
    assert_failed(result, "default as-of date 2026-11-30", "Set var as_of_date", "2026-06-30")
    chosen = build_file(tmp_path, content, {"as_of_date": "2026-06-30"}, ACCOUNTING)
    assert chosen.ok, chosen.output[-3000:]
    assert issues(chosen)["after_as_of_date"][0] == 1


def test_lf_rows_appended_to_a_crlf_file_with_an_extra_field(orders, tmp_path):
    text = orders.to_csv(index=False, lineterminator="\r\n")
    customer = orders["customer_id"].iloc[0]
    appended = "".join(f"X{i},{customer},2026-06-2{i} 10:00:00,12.00\n" for i in range(3))
    appended += f"X9,{customer},2026-06-25 10:00:00,1,234.50\n"  # an unquoted thousands separator
    result = build_file(tmp_path, text + appended, extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    assert issues(result)["extra_fields"] == (1, "234.50")
    rows = staged(result).set_index("order_id")
    assert rows.loc["X9", "invalid_reason"] == "extra_fields"  # never read as 1.00
    assert rows.loc[["X0", "X1", "X2"], "invalid_reason"].isna().all()
    assert (rows.loc[["X0", "X1", "X2"], "amount"] == 12.0).all()
    assert len(rows) == len(orders) + 4


def test_invalid_utf8_is_a_rejected_line_with_file_and_line(orders, tmp_path):
    body = orders.to_csv(index=False).encode("utf-8")
    customer = orders["customer_id"].iloc[0].encode()
    body += b"Y1," + customer + b",2026-06-20 10:00:00,caf\xe9\n"  # Latin-1 bytes
    result = build_file(tmp_path, body, extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    rejected = query(result.db_path, "select * from stg_raw__rejected_lines")
    assert len(rejected) == 1
    line = rejected.iloc[0]
    assert line["line_number"] == len(orders) + 2 and line["file_path"].endswith("orders.csv")
    assert line["error_type"] == "INVALID ENCODING"
    count, example = issues(result)["rejected_line"]
    assert count == 1 and f"line {len(orders) + 2} of" in example
    totals = query(
        result.db_path,
        "select max(input_rows) as n from data_quality_issues where input_table = 'orders'",
    )
    assert totals["n"].iloc[0] == len(orders) + 1
    assert issues(result)["exact_duplicate_row"][0] == 0


def test_an_unterminated_quote_counts_every_line_it_swallowed(orders, tmp_path):
    lines = orders.to_csv(index=False).splitlines(keepends=True)
    opened = len(lines) - 100
    lines[opened] = lines[opened].replace(",2", ',"2', 1)  # the quote never closes
    result = build_file(tmp_path, "".join(lines), extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]  # 100 of 5,000+ lines: past warn_if only
    assert "WARN 1 data_quality_within_thresholds" in result.output
    count, example = issues(result)["unterminated_quote"]
    assert count == 100 and example.startswith(orders["order_id"].iloc[opened - 1])
    totals = query(
        result.db_path,
        "select max(input_rows) as n from data_quality_issues where input_table = 'orders'",
    )
    assert totals["n"].iloc[0] == len(orders)


def test_a_file_that_cannot_be_read_names_the_var_and_the_path(orders, tmp_path):
    result = build_file(tmp_path, orders.to_csv(index=False).encode("utf-16"), extra=ACCOUNTING)
    assert_failed(result, "orders_location", str(tmp_path / "orders.csv"), "UTF-16")


def test_a_second_build_on_a_file_in_use_stops_with_one_line(tmp_path):
    db_path = tmp_path / "busy.duckdb"
    duckdb.connect(str(db_path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); "
            "print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = run_dbt(db_path, command="run", extra=["--select", "int_as_of_dates"], check=False)
        assert not result.ok
        assert "Traceback" not in result.output
        lines = [
            line for line in result.output.splitlines() if "is in use by another process" in line
        ]
        assert len(lines) == 1, result.output
        assert str(db_path) in lines[0] and f"PID {holder.pid}" in lines[0]
        assert "CUSTOMER_SEGMENTS_DB" in lines[0] and "--target" in lines[0]
        assert time.monotonic() - started < 300
        script = subprocess.run(
            [sys.executable, "-m", "customer_segments.warehouse_lock", str(db_path)],
            capture_output=True,
            text=True,
        )
        assert script.returncode == 1 and f"PID {holder.pid}" in script.stderr
    finally:
        holder.kill()
        holder.wait()
    free = subprocess.run(
        [sys.executable, "-m", "customer_segments.warehouse_lock", str(db_path)],
        capture_output=True,
        text=True,
    )
    assert free.returncode == 0 and free.stderr == ""


def test_kill_9_during_a_rebuild_keeps_the_readers_file_and_the_next_build_works(warehouse_copy):
    readers = warehouse_copy.with_name("copy_published.duckdb")
    before = readers.read_bytes()
    work = warehouse_copy.parent / "dbt_killed"
    env = {**os.environ, "CUSTOMER_SEGMENTS_DB": str(warehouse_copy)}
    build = subprocess.Popen(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(REPO),
            "--profiles-dir",
            str(REPO),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    for line in build.stdout:
        if "START sql table model main_intermediate.int_orders_aggregated_to_customers" in line:
            break
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert readers.read_bytes() == before
    query(readers, "select count(*) from segment_membership")
    again = run_dbt(warehouse_copy)
    assert "Completed successfully" in again.output
    shutil.rmtree(work, ignore_errors=True)


# ---- more damages found in real exports ------------------------------------------------------


def test_bom_header_case_day_first_and_trailing_delimiters(orders, tmp_path):
    stamps = pd.to_datetime(orders["ordered_at"])
    frame = orders.assign(
        ordered_at=stamps.dt.strftime("%d.%m.%Y %H:%M:%S").where(
            orders.index % 2 == 0, stamps.dt.strftime("%d/%m/%Y %H:%M:%S")
        )
    )
    frame.columns = ["Order_ID", "CUSTOMER_ID", "Ordered_At", "Amount"]
    lines = frame.to_csv(index=False, lineterminator="\r\n").replace("\r\n", ",\r\n")
    result = build_file(tmp_path, b"\xef\xbb\xbf" + lines.encode(), extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    found = issues(result)
    assert found["unparseable_timestamp"][0] == 0 and found["extra_fields"][0] == 0
    rows = staged(result).set_index("order_id")["ordered_at"]
    assert (rows.loc[orders["order_id"]].to_numpy() == stamps.to_numpy()).all()


def test_quoted_newlines_and_semicolons_read_right(orders, tmp_path):
    frame = orders.iloc[:400].copy()
    frame.insert(2, "note", "line one\nline two; with ; semicolons")
    text = frame.to_csv(index=False, sep=";")
    result = build_file(tmp_path, text, extra=ACCOUNTING)
    assert result.ok, result.output[-3000:]
    rows = staged(result)
    assert len(rows) == 400 and rows["invalid_reason"].isna().all()


def test_thousands_separators_and_currency_signs_are_counted_not_guessed(orders, tmp_path):
    frame = orders.copy()
    frame.loc[frame.index[:5], "amount"] = [
        "1,234.50",
        "$12.00",
        "12,50 €",
        "1.234,50",
        "12.00 USD",
    ]
    result = build_file(tmp_path, frame.to_csv(index=False), extra=ACCOUNTING)  # quoted by pandas
    assert result.ok, result.output[-3000:]
    assert issues(result)["unparseable_amount"][0] == 5
    rows = staged(result).set_index("order_id")
    assert rows.loc[frame["order_id"].iloc[:5], "amount"].isna().all()


def test_a_compact_date_pattern_is_read_with_the_var(orders, tmp_path):
    stamps = pd.to_datetime(orders["ordered_at"])
    frame = orders.assign(ordered_at=stamps.dt.strftime("%Y%m%d"))  # CDNOW's layout
    plain = build_file(tmp_path, frame.to_csv(index=False), extra=ACCOUNTING)
    assert_failed(plain, "excluded as unparseable_timestamp", "e.g. '20")
    result = build_file(
        tmp_path, frame.to_csv(index=False), {"orders_timestamp_format": "%Y%m%d"}, ACCOUNTING
    )
    assert result.ok, result.output[-3000:]
    rows = staged(result).set_index("order_id")["ordered_at"]
    assert (rows.loc[orders["order_id"]].dt.date.to_numpy() == stamps.dt.date.to_numpy()).all()


def test_a_semicolon_file_with_a_latin1_header_cannot_be_guessed(orders, tmp_path):
    frame = orders.iloc[:100].rename(columns={"amount": "Betrag €"})
    result = build_file(
        tmp_path, frame.to_csv(index=False, sep=";").encode("cp1252"), extra=ACCOUNTING
    )
    assert_failed(result, "orders_location", "missing required column(s)")

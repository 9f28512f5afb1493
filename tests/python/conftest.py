"""Shared fixtures: run the real dbt CLI against temporary DuckDB files."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
FIXTURES = REPO / "tests" / "fixtures"
DBT = Path(sys.executable).with_name("dbt")


# The longest xdist groups (minutes each: the Spark build, the two realistic data sets), started
# first so the two workers finish together; every other test file is a group of its own, as with
# --dist loadfile, so a module's shared builds stay on one worker.
LONGEST_GROUPS = ("test_spark", "realistic-seed1", "realistic-seed2")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group each test by its module unless it names its group; order the longest groups first."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))

    def rank(item) -> int:
        group = item.get_closest_marker("xdist_group").args[0]
        return LONGEST_GROUPS.index(group) if group in LONGEST_GROUPS else len(LONGEST_GROUPS)

    items.sort(key=rank)


def pytest_xdist_node_collection_finished(node, ids):
    """Under --dist loadgroup, stop when a worker's tests came back without their groups.

    xdist tags a test's group onto its node id; without the tag each test is scheduled on its own,
    and a module's shared builds (the Spark build, the planted warehouses) run once per worker, in
    parallel, doubling the suite's time while every test still passes.
    """
    if node.config.getvalue("dist") != "loadgroup":
        return
    untagged = [nodeid for nodeid in ids if "@" not in nodeid]
    if untagged:
        pytest.exit(
            f"--dist loadgroup: {len(untagged)} of {len(ids)} tests carry no group in their node id"
            f" (first: {untagged[0]}); this pytest and pytest-xdist do not work together, see the"
            " pins in pyproject.toml",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


@dataclass
class DbtResult:
    """The outcome of one dbt invocation."""

    returncode: int
    output: str
    db_path: Path

    @property
    def ok(self) -> bool:
        """True when dbt exited 0."""
        return self.returncode == 0


def run_dbt(
    db_path: Path,
    command: str = "build",
    dbt_vars: dict | None = None,
    extra: list[str] | None = None,
    check: bool = True,
    project_dir: Path = REPO,
    env: dict | None = None,
) -> DbtResult:
    """Run `dbt <command>` on the project (or a copy of it) with its DuckDB file at db_path."""
    work = db_path.parent / f"dbt_{db_path.stem}"
    args = [
        str(DBT),
        *command.split(),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    args += extra or []
    env = {
        **os.environ,
        "CUSTOMER_SEGMENTS_DB": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    completed = subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800
    )
    result = DbtResult(completed.returncode, completed.stdout + completed.stderr, db_path)
    if check and not result.ok:
        raise AssertionError(
            f"dbt {command} failed (exit {result.returncode}):\n{result.output[-6000:]}"
        )
    return result


def generate(
    out: Path, *, customers: int, seed: int, profile: str = "planted", file_format: str = "parquet"
) -> Path:
    """Write generated customers, orders and events with the package's command, as a user would."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "customer_segments.generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--profile",
            profile,
            "--format",
            file_format,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


# The build's schemas by layer (dbt_project.yml): a table name is looked up in this order, so the
# tests name tables as a reader of each layer would. Where a table lives is asserted in test_docs.
PUBLISHED_SCHEMA = "main_segments"
LAYER_SCHEMAS = (PUBLISHED_SCHEMA, "main_intermediate", "main_staging", "main_raw")


def connect(db_path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a warehouse with each layer's schema it has, then main, on the search path (the
    readers' file has its tables in main only)."""
    connection = duckdb.connect(str(db_path), read_only=read_only)
    present = {
        row[0]
        for row in connection.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database()"
        ).fetchall()
    }
    path = [schema for schema in LAYER_SCHEMAS if schema in present] + ["main"]
    connection.execute(f"set search_path = '{','.join(path)}'")
    return connection


def query(db_path: Path, sql: str) -> pd.DataFrame:
    """Run one query on a built warehouse, read-only, and return a frame."""
    with connect(db_path) as connection:
        return connection.sql(sql).df()


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The bundled sample built once with `dbt build` (every model and test) for the session."""
    db_path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    result = run_dbt(db_path)
    assert "Completed successfully" in result.output
    return db_path


@pytest.fixture()
def warehouse_copy(sample_warehouse, tmp_path) -> Path:
    """A private copy of the built sample warehouse, for tests that build on top of it."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_warehouse, copy)
    readers = sample_warehouse.with_name(sample_warehouse.stem + "_published.duckdb")
    shutil.copy(readers, copy.with_name("copy_published.duckdb"))
    return copy


def sample_frames() -> dict[str, pd.DataFrame]:
    """The bundled sample's raw tables, read with pandas (independent of the dbt pipeline)."""
    return {
        "orders": pd.read_csv(
            SEEDS / "raw_orders.csv", dtype={"customer_id": str, "order_id": str}
        ),
        "customers": pd.read_csv(SEEDS / "raw_customers.csv", dtype={"customer_id": str}),
        "events": pd.read_csv(SEEDS / "raw_events.csv", dtype={"customer_id": str}),
    }

"""The whole pipeline on Apache Spark (local mode) gives the DuckDB build's segments.

`customer-segments-spark` builds the bundled sample with dbt-spark's session method into a
temporary warehouse; its Parquet tables are then read with DuckDB (no second Spark process) and
compared with the DuckDB build of the same sample: the same fitted model, the same segment for
every customer, and profile, rule and history numbers equal to 1e-9 relative.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DBT, REPO, query

from customer_segments.export import PUBLISHED_TABLES

pytestmark = pytest.mark.slow

RELATIVE_TOLERANCE = 1e-9


# Session scope: built once per worker whatever order xdist hands the tests over in (module scope
# showed two ~8-minute setups in one CI run: a teardown between two of the module's tests).
@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory) -> dict:
    """Run the Spark build of the bundled sample once; return its folders and output."""
    root = tmp_path_factory.mktemp("spark")
    env = {
        **os.environ,
        "CUSTOMER_SEGMENTS_SPARK_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    paths = ["--target-path", str(root / "target"), "--log-path", str(root / "logs")]
    started = time.monotonic()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "customer_segments.spark_build",
            "--project-dir",
            str(REPO),
            "--profiles-dir",
            str(REPO),
            *paths,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=2400,
    )
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"Spark build failed:\n{output[-8000:]}"
    listed = subprocess.run(
        [
            str(DBT),
            "ls",
            "--project-dir",
            str(REPO),
            "--profiles-dir",
            str(REPO),
            "--target",
            "spark",
            "--resource-type",
            "model",
            "seed",
            "test",
            "unit_test",
            "--output",
            "name",
            "--quiet",
            *paths,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return {
        "warehouse": root / "warehouse",
        "steps": root / "warehouse" / "customer_segments_python_steps.db",
        "output": output,
        "seconds": seconds,
        "buildable": [line for line in listed.stdout.splitlines() if line.strip()],
    }


def spark_table(folder: Path, table: str) -> pd.DataFrame:
    """Read one Spark table's Parquet files with DuckDB."""
    files = sorted(str(path) for path in (folder / table).glob("*.parquet"))
    assert files, f"Spark wrote no Parquet files for {table} under {folder}"
    with duckdb.connect() as connection:
        return connection.sql(f"select * from read_parquet({files!r})").df()


def layer_table(spark_warehouse: dict, table: str) -> pd.DataFrame:
    """Read a model's Spark table from its layer's database: `customer_segments_segments` for the
    published tables, `customer_segments_intermediate` for the rest (schemas by layer)."""
    layer = "segments" if table in PUBLISHED_TABLES else "intermediate"
    return spark_table(spark_warehouse["warehouse"] / f"customer_segments_{layer}.db", table)


def assert_same_rows(table: str, duck: pd.DataFrame, spark: pd.DataFrame, key: list[str]) -> None:
    """Same columns in the same order, same keys, text equal, numbers equal to 1e-9 relative."""
    assert list(spark.columns) == list(duck.columns), f"{table}: columns differ"
    assert len(spark) == len(duck), f"{table}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
    duck = duck.sort_values(key, ignore_index=True)
    spark = spark.sort_values(key, ignore_index=True)
    for column in key:
        same = duck[column].astype(str) == spark[column].astype(str)
        assert (same | (duck[column].isna() & spark[column].isna())).all(), (
            f"{table}: key {column} differs"
        )
    for column in duck.columns:
        expected, actual = duck[column], spark[column]
        if pd.api.types.is_numeric_dtype(expected) and not pd.api.types.is_bool_dtype(expected):
            left = expected.astype("float64").to_numpy()
            right = pd.to_numeric(actual).astype("float64").to_numpy()
            both_null = np.isnan(left) & np.isnan(right)
            close = np.isclose(right, left, rtol=RELATIVE_TOLERANCE, atol=0.0)
            wrong = ~(both_null | close)
        else:
            # A null is a null however pandas holds it (None, NaN, NA).
            both_null = (expected.isna() & actual.isna()).to_numpy()
            wrong = (expected.astype(str) != actual.astype(str)).to_numpy() & ~both_null
        assert not wrong.any(), (
            f"{table}.{column}: {int(wrong.sum())} rows differ, e.g. "
            f"{duck.loc[wrong, key].head(3).to_dict('records')}: DuckDB "
            f"{expected[wrong].head(3).tolist()} vs Spark {actual[wrong].head(3).tolist()}"
        )


def test_every_node_runs_once_and_passes(spark_warehouse):
    output = spark_warehouse["output"]
    done = re.findall(
        r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+) NO-OP=(\d+) TOTAL=(\d+)", output
    )
    assert len(done) == 3, f"expected three dbt build stages:\n{output[-4000:]}"
    assert all(stage[2] == "0" and stage[3] == "0" for stage in done), done
    total = sum(int(stage[5]) for stage in done)
    # Every model, seed, data test and unit test of the Spark project, each in exactly one stage
    # (exposures are counted as no-ops).
    exposures = sum(int(stage[4]) for stage in done)
    # each stage also runs the on-run-start hook (carry_over_state) once, counted in its total
    hooks = [int(n) for n in re.findall(r"Finished running .*?(\d+) project hooks?", output)]
    assert hooks == [1, 1, 1], hooks
    assert total - exposures - sum(hooks) == len(spark_warehouse["buildable"]), (total, exposures)
    print(f"Spark build of the bundled sample: {spark_warehouse['seconds']:.0f} s")


def test_same_model_is_fitted_and_registered(spark_warehouse, sample_warehouse):
    duck = query(sample_warehouse, "select * from segment_model_registry")
    spark = spark_table(spark_warehouse["steps"], "segment_model_registry")
    assert len(spark) == 1
    assert spark["model_version"].tolist() == duck["model_version"].tolist()
    assert json.loads(spark["scoring_json"][0]) == json.loads(duck["scoring_json"][0])
    assert spark["sample_size"].tolist() == duck["sample_size"].tolist()


def test_same_segment_for_every_customer(spark_warehouse, sample_warehouse):
    duck = query(sample_warehouse, "select * from segment_membership")
    spark = layer_table(spark_warehouse, "segment_membership")
    merged = duck.merge(spark, on="customer_id", how="outer", suffixes=("_duck", "_spark"))
    assert len(merged) == len(duck) == len(spark) > 4000
    moved = merged[merged["segment_id_duck"] != merged["segment_id_spark"]]
    assert moved.empty, moved[["customer_id", "segment_id_duck", "segment_id_spark"]].head()
    # The holdout hash is the engine's own md5 on both sides: the same customers are held out.
    held = merged[merged["is_holdout_duck"] != merged["is_holdout_spark"]]
    assert held.empty, held[["customer_id", "is_holdout_duck", "is_holdout_spark"]].head()
    assert merged["is_holdout_duck"].sum() > 0
    assert_same_rows("segment_membership", duck, spark, ["customer_id"])


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("segment_profiles", ["segment_id"]),
        ("segment_rules", ["rule_id"]),
        ("segment_history", ["customer_id", "as_of_date"]),
        ("segment_transitions", ["from_as_of_date", "from_segment_id", "to_segment_id"]),
        ("feat_customer_features", ["customer_id", "as_of_date"]),
        ("int_segment_scores", ["customer_id", "as_of_date"]),
        ("data_quality_issues", ["input_table", "issue"]),
        ("segment_outcomes", ["as_of_date", "segment_id"]),
        ("segment_validation", ["segmentation", "as_of_date"]),
        ("int_customer_outcomes", ["customer_id", "as_of_date"]),
        ("int_outcome_fit_sample", ["customer_id", "as_of_date"]),
        ("int_validation_sample", ["customer_id", "as_of_date"]),
        (
            "int_forecast_cells",
            ["fit", "cell_level", "segment_id", "recency_band", "frequency_band"],
        ),
        ("segment_forecast_validation", ["as_of_date", "measure", "forecast"]),
        ("segment_holdout_summary", ["segment_id"]),
        ("segment_lifecycle_thresholds", ["active_days"]),
        (
            "segment_lifecycle_transitions",
            ["from_as_of_date", "from_lifecycle_stage", "to_lifecycle_stage"],
        ),
        ("int_customer_lifecycle_stages", ["customer_id", "as_of_date"]),
    ],
)
def test_published_and_intermediate_tables_match(spark_warehouse, sample_warehouse, table, key):
    duck = query(sample_warehouse, f"select * from {table}")
    spark = layer_table(spark_warehouse, table)
    assert_same_rows(table, duck, spark, key)


def test_segment_names_match(spark_warehouse, sample_warehouse):
    duck = query(sample_warehouse, "select * from int_segment_names_derived")
    spark = spark_table(spark_warehouse["steps"], "int_segment_names_derived")
    assert_same_rows("int_segment_names_derived", duck, spark, ["segment_id"])

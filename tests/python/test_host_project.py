"""Installed into someone else's dbt project: a small shop project adds this one with packages.yml
and segments its own staging models, read with ref so its lineage shows them.

The shop's raw files use the shop's own column names; its staging models rename them to the
columns customer_segments reads. One `dbt deps` + `dbt build` of the shop project (the real CLI).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DBT, REPO, generate, query

CUSTOMERS = 1_500

HOST_PROJECT = """\
name: shop
version: "1.0.0"
config-version: 2
profile: shop
model-paths: ["models"]
vars:
  customer_segments:
    orders_model: stg_shop__orders
    customers_model: stg_shop__customers
    events_model: stg_shop__events
    history_months: 2
models:
  shop:
    +materialized: table
"""

HOST_PROFILE = """\
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('SHOP_DB') }}"
      threads: 2
      settings:
        TimeZone: UTC
"""

# The shop's raw files name their columns the shop's way; staging maps them.
HOST_MODELS = {
    "stg_shop__orders": "select id as order_id, buyer as customer_id, placed_at as ordered_at,"
    " total as amount from read_parquet('{data}/shop_orders.parquet')",
    "stg_shop__customers": "select account as customer_id, created as signed_up_at"
    " from read_parquet('{data}/shop_accounts.parquet')",
    "stg_shop__events": "select account as customer_id, happened_at as occurred_at,"
    " kind as event_type from read_parquet('{data}/shop_activity.parquet')",
}


# ... and a mart of its own on the package's public interface (a published table).
HOST_MARTS = {
    "shop_segment_sizes": "select segment_name, count(*) as n_customers"
    " from {{ ref('customer_segments', 'segment_membership') }} group by segment_name",
}


def write_host_project(root: Path, data: Path, dbt_project: str = HOST_PROJECT) -> Path:
    """The shop project: dbt_project.yml, profiles.yml, packages.yml and its staging models."""
    project = root / "shop"
    (project / "models" / "staging").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(dbt_project)
    (project / "profiles.yml").write_text(HOST_PROFILE)
    (project / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    for name, sql in HOST_MODELS.items():
        (project / "models" / "staging" / f"{name}.sql").write_text(sql.format(data=data) + "\n")
    (project / "models" / "marts").mkdir()
    for name, sql in HOST_MARTS.items():
        (project / "models" / "marts" / f"{name}.sql").write_text(sql + "\n")
    return project


def shop_files(root: Path) -> tuple[Path, pd.DataFrame]:
    """Generated inputs written as the shop's own raw files (the shop's column names)."""
    generated = generate(root / "generated", customers=CUSTOMERS, seed=5)
    data = root / "shop_data"
    data.mkdir()
    orders = pd.read_parquet(generated / "orders.parquet").rename(
        columns={
            "order_id": "id",
            "customer_id": "buyer",
            "ordered_at": "placed_at",
            "amount": "total",
        }
    )
    orders.to_parquet(data / "shop_orders.parquet")
    pd.read_parquet(generated / "customers.parquet").rename(
        columns={"customer_id": "account", "signed_up_at": "created"}
    ).to_parquet(data / "shop_accounts.parquet")
    pd.read_parquet(generated / "events.parquet").rename(
        columns={"customer_id": "account", "occurred_at": "happened_at", "event_type": "kind"}
    ).to_parquet(data / "shop_activity.parquet")
    return data, orders


def run_host_dbt(project: Path, db_path: Path, *command: str, check: bool = True):
    """Run the real dbt CLI in the shop project (cwd: the project, as its users would).

    Not conftest.run_dbt: that one points --target-path and the profile's env var at the test's
    files for this project, and `dbt deps` takes no --target-path."""
    env = {**os.environ, "SHOP_DB": str(db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    completed = subprocess.run(
        [str(DBT), *command, "--profiles-dir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = completed.stdout + completed.stderr
    if check and completed.returncode != 0:
        raise AssertionError(f"dbt {' '.join(command)} failed:\n{output[-6000:]}")
    return completed.returncode, output


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The shop project installed with the package and built once: (project, db, raw orders)."""
    root = tmp_path_factory.mktemp("host")
    data, orders = shop_files(root)
    project = write_host_project(root, data)
    db_path = root / "shop.duckdb"
    run_host_dbt(project, db_path, "deps")
    _, output = run_host_dbt(project, db_path, "build")
    assert "Completed successfully" in output
    # a clean data set builds without one warning, dbt's own included (a ref search into the
    # root project, a test of a disabled seed)
    assert "WARN=0" in output and "WARNING" not in output, output[-4000:]
    return project, db_path, orders


@pytest.mark.slow
def test_the_host_segments_its_own_staging_models(shop):
    project, db_path, orders = shop
    membership = query(db_path, "select customer_id, segment_id from segment_membership")
    assert membership["customer_id"].is_unique
    assert set(membership["customer_id"]) == set(orders["buyer"])
    assert membership["segment_id"].nunique() >= 2
    # The readers' copy sits beside the host's warehouse, as for the project's own build.
    readers = db_path.with_name("shop_published.duckdb")
    assert len(query(readers, "select * from segment_membership")) == len(membership)
    # The shop's own mart on the published membership, in the shop's schema; the package's tables
    # in theirs (schemas by layer under the shop's target schema).
    sizes = query(db_path, "select * from main.shop_segment_sizes")
    assert sizes["n_customers"].sum() == len(membership)
    schemas = set(query(db_path, "select schema_name from duckdb_tables()")["schema_name"])
    assert schemas == {"main", "main_segments", "main_intermediate", "main_staging", "main_raw"}


@pytest.mark.slow
def test_the_host_lineage_shows_its_models_and_no_sample(shop):
    project, db_path, _ = shop
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    for table in ("orders", "customers", "events"):
        parents = manifest["nodes"][f"model.customer_segments.stg_raw__{table}"]["depends_on"]
        assert f"model.shop.stg_shop__{table}" in parents["nodes"], parents
        assert not [node for node in parents["nodes"] if node.startswith("source.")], parents
    seeds = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "seed"}
    assert not seeds & {"raw_orders", "raw_customers", "raw_events"}, seeds
    with duckdb.connect(str(db_path), read_only=True) as connection:
        tables = {
            row[0] for row in connection.sql("select table_name from duckdb_tables()").fetchall()
        }
    assert not tables & {"raw_orders", "raw_customers", "raw_events"}, tables
    assert {"segment_name_vocabulary", "event_type_aliases"} <= tables


@pytest.mark.slow
def test_a_host_without_inputs_is_told_what_to_set(shop, tmp_path):
    installed, _, _ = shop
    project = tmp_path / "bare"
    shutil.copytree(
        installed, project, symlinks=True, ignore=shutil.ignore_patterns("target", "logs")
    )
    bare = HOST_PROJECT.split("vars:")[0] + "models:\n  shop:\n    +materialized: table\n"
    (project / "dbt_project.yml").write_text(bare)
    code, output = run_host_dbt(project, tmp_path / "bare.duckdb", "parse", check=False)
    assert code != 0
    assert "customer_segments has no orders input: set var orders_model" in output
    assert "use_bundled_sample: true" in output


@pytest.mark.slow
def test_a_host_may_ref_only_the_published_tables(shop, tmp_path):
    """The package's group makes its published tables public and the rest private: a host model
    on feat_customer_features is refused at parse time, naming the model and the group."""
    installed, _, _ = shop
    project = tmp_path / "curious"
    shutil.copytree(
        installed, project, symlinks=True, ignore=shutil.ignore_patterns("target", "logs")
    )
    (project / "models" / "marts" / "shop_features.sql").write_text(
        "select * from {{ ref('customer_segments', 'feat_customer_features') }}\n"
    )
    code, output = run_host_dbt(project, tmp_path / "curious.duckdb", "parse", check=False)
    assert code != 0
    assert "model.customer_segments.feat_customer_features" in output
    assert "private to the 'customer_segments' group" in output

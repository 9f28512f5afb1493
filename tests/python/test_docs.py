"""dbt docs: every model and column is described, `dbt docs generate` runs, and each model sits
in its layer's schema with the published ones alone public."""

import json

from conftest import PUBLISHED_SCHEMA, query, run_dbt

from customer_segments.export import PUBLISHED_TABLES


def test_docs_generate_and_every_model_and_column_is_described(sample_warehouse, tmp_path):
    result = run_dbt(sample_warehouse, command="docs generate")
    assert "Catalog written" in result.output
    target = sample_warehouse.parent / f"dbt_{sample_warehouse.stem}" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undescribed = []
    for node in manifest["nodes"].values():
        if (
            node["resource_type"] not in {"model", "seed"}
            or node["package_name"] != "customer_segments"
        ):
            continue
        if not node["description"].strip():
            undescribed.append(node["name"])
        if node["resource_type"] == "model":
            built = catalog["nodes"].get(node["unique_id"], {}).get("columns", {})
            documented = {
                name.lower()
                for name, column in node["columns"].items()
                if column["description"].strip()
            }
            missing = sorted(set(built) - documented)
            if missing and not node["name"].startswith("int_segment_scores"):
                undescribed.append(f"{node['name']}: {', '.join(missing)}")
    exposures = {exposure["name"] for exposure in manifest["exposures"].values()}
    assert exposures == {"segment_report", "segments_bi_dashboard", "segment_membership_sync"}
    assert not undescribed, undescribed


def test_the_published_tables_alone_are_public_and_in_their_own_schema(sample_warehouse):
    """Schemas by layer: the public models are exactly the published tables (the readers' file),
    built in main_segments and nowhere else; every other model is private to the group and built
    in main_staging or main_intermediate; nothing is left in main."""
    target = sample_warehouse.parent / f"dbt_{sample_warehouse.stem}" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "customer_segments"
    ]
    public = {node["name"] for node in models if node["access"] == "public"}
    assert public == set(PUBLISHED_TABLES)
    assert {node["name"] for node in models if node["schema"] == PUBLISHED_SCHEMA} == public
    assert {node["access"] for node in models if node["name"] not in public} == {"private"}
    assert {node["group"] for node in models} == {"customer_segments"}
    staging = {node["name"] for node in models if node["schema"] == "main_staging"}
    assert staging and all(name.startswith("stg_") for name in staging), staging
    assert {node["schema"] for node in models} == {
        PUBLISHED_SCHEMA,
        "main_intermediate",
        "main_staging",
    }

    built = query(sample_warehouse, "select schema_name, table_name from duckdb_tables()")
    by_schema = built.groupby("schema_name")["table_name"].apply(set).to_dict()
    assert by_schema[PUBLISHED_SCHEMA] == set(PUBLISHED_TABLES)
    assert "main" not in by_schema, by_schema.get("main")
    assert set(by_schema) == {PUBLISHED_SCHEMA, "main_intermediate", "main_staging", "main_raw"}
    # The readers' file holds the same tables in its default schema, so BI tools name them bare.
    readers = sample_warehouse.with_name(sample_warehouse.stem + "_published.duckdb")
    copied = query(readers, "select schema_name, table_name from duckdb_tables()")
    assert set(copied["schema_name"]) == {"main"}
    assert set(copied["table_name"]) == set(PUBLISHED_TABLES)

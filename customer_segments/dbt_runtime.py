"""What the thin dbt Python models call: config parsing, dbt logging, fit-or-reuse."""

import json
from collections.abc import Callable, Mapping

import pandas as pd

from customer_segments.explain.rules import RULE_COLUMNS
from customer_segments.features import catalogue
from customer_segments.model.registry import REGISTRY_COLUMNS, latest_model, registry_frame
from customer_segments.model.segment_model import fit_segment_model


def dbt_log(message: str) -> None:
    """Write one line to dbt's own log (console and logs/dbt.log)."""
    try:
        from dbt.adapters.events.logging import AdapterLogger
    except ImportError:  # outside dbt, e.g. the Spark command
        print(message, flush=True)
        return
    AdapterLogger("customer_segments").info(message)


def as_pandas(frame) -> pd.DataFrame:
    """Return a pandas frame from a dbt Python model's input: a DuckDB relation or Spark DataFrame.

    On Databricks `dbt.ref` gives a Spark DataFrame; the models only read bounded tables (the
    SQL-drawn fit sample, the registry, the overrides), so collecting them to the driver is safe.
    """
    if hasattr(frame, "toPandas"):
        return frame.toPandas()
    return frame.df()


def table_exists(session, schema: str, identifier: str) -> bool:
    """Return True when the table exists: Spark's catalog, or DuckDB's information_schema."""
    catalog = getattr(session, "catalog", None)
    if catalog is not None and hasattr(catalog, "tableExists"):
        return bool(catalog.tableExists(f"{schema}.{identifier}"))
    found = session.sql(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{identifier}'"
    ).fetchall()
    return bool(found[0][0])


def parse_model_config(text: str | dict) -> dict:
    """Parse the segment-model config that dbt passes as JSON text (rendered from vars)."""
    config = json.loads(text) if isinstance(text, str) else dict(text)
    config["refit"] = _as_bool(config.get("refit", True))
    int_keys = ("k_min", "k_max", "n_init", "seed", "fit_sample_size", "min_fit_customers")
    for key in (*int_keys, "screen_sample_size", "refine_top"):
        if key in config:
            config[key] = int(config[key])
    for key in ("min_segment_share", "match_threshold", "k_tolerance"):
        if key in config:
            config[key] = float(config[key])
    if "segment_space" in config:
        config["segment_space"] = str(config["segment_space"]).strip().lower()
    return config


def _as_bool(value: object) -> bool:
    """Read a boolean var that may arrive as text ('true', 'False', '0')."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def empty_registry() -> pd.DataFrame:
    """Return a registry frame with no rows and the registry's column types."""
    frame = pd.DataFrame({column: pd.Series(dtype="string") for column in REGISTRY_COLUMNS})
    return frame.astype(
        {
            "mean_top_probability": "float64",
            "registered_at": "datetime64[us]",
            "fitted_at": "datetime64[us]",
            "n_segments": "int64",
            "sample_size": "int64",
        }
    )


def fit_or_reuse(
    sample: pd.DataFrame,
    registry: pd.DataFrame | None,
    config: dict,
    log: Callable[[str], None] = dbt_log,
    outcome_sample: pd.DataFrame | None = None,
    validation_sample: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the registry rows to append: the new model, or none when nothing new was fitted.

    `outcome_sample` and `validation_sample` (past customer-dates with their next-days outcomes)
    let the fit learn and validate the outcome space; without them it fits the feature space.
    """
    previous = latest_model(registry) if registry is not None else None
    if not config["refit"]:
        if previous is None:
            raise ValueError(
                "refit is false but the segment_model_registry holds no model yet: "
                "run once with refit: true (the default) to fit and register one"
            )
        log(f"segment fit: refit is false, scoring with registered model {previous.model_version}")
        return empty_registry()
    log(f"segment fit: {len(sample)} customers in the fit sample")
    minimum = int(config.get("min_fit_customers", 1))
    if len(sample) < minimum:
        raise ValueError(
            f"segment fit needs at least {minimum} customers (var min_fit_customers), "
            f"the fit sample int_fit_sample has {len(sample)}: too few customers with a valid "
            "order on or before the as-of date; see data_quality_issues for excluded rows"
        )
    model = fit_segment_model(
        sample,
        config,
        previous=previous,
        log=log,
        outcome_sample=outcome_sample,
        validation_sample=validation_sample,
    )
    if previous is not None and model.model_version == previous.model_version:
        log(f"segment fit: model {model.model_version} is already the latest registered; kept")
        return empty_registry()
    return registry_frame(model, sample=sample)


# The fitted rules table: the explainer's columns between the model version and its fidelity.
FITTED_RULE_COLUMNS = ["model_version", *RULE_COLUMNS, "tree_fidelity"]


def explain_segments(
    sample: pd.DataFrame,
    registry: pd.DataFrame,
    max_depth: int,
    min_leaf_share: float,
    seed: int,
    log: Callable[[str], None] = dbt_log,
) -> pd.DataFrame:
    """Fit the decision-tree explainer on the scored fit sample; one row per rule (leaf)."""
    from customer_segments.explain.rules import extract_rules

    model = latest_model(registry)
    if model is None:
        raise ValueError("segment_model_registry holds no model: nothing to explain")
    features = list(model.prep["features"])
    fill_values = dict(zip(features, model.prep["fill_value"], strict=True))
    ruleset = extract_rules(
        sample,
        sample["top_segment_id"],
        features,
        fill_values,
        max_depth=max_depth,
        min_leaf_share=min_leaf_share,
        seed=seed,
    )
    log(
        f"segment rules: {len(ruleset.rules)} rules at depth {max_depth} on {len(sample)} "
        f"customers, fidelity {ruleset.fidelity:.3f}"
    )
    rules = ruleset.rules.copy()
    rules["model_version"] = model.model_version
    rules["tree_fidelity"] = float(ruleset.fidelity)
    rules = rules[FITTED_RULE_COLUMNS].astype(
        {
            "model_version": "string",
            "rule_id": "string",
            "segment_id": "int64",
            "rule_text": "string",
            "rule_sql": "string",
            "n_customers": "int64",
            "depth": "int64",
        }
    )
    return rules.sort_values("rule_id", ignore_index=True)


def name_segments_for_build(
    sample: pd.DataFrame,
    previous_names: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    vocabulary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Name every segment of the scored fit sample, keeping names already given to its ids.

    The sample carries each customer's lifecycle_stage and the thresholds (active_days,
    lapsed_days) the vocabulary's claims are measured against.
    """
    from customer_segments.explain.naming import build_profile, load_vocabulary, name_segments

    # Names and descriptions compare segment to population as ratios; a signed measure centred
    # near zero (activity_trend, -1..1) gives meaningless ratios, so it is left out here.
    features = [
        feature
        for feature, entry in catalogue().items()
        if not entry.is_signed and feature in sample.columns and sample[feature].notna().any()
    ]
    stages = sample["lifecycle_stage"] if "lifecycle_stage" in sample.columns else None
    profile = build_profile(sample, sample["top_segment_id"], features, stages=stages)
    thresholds = {}
    for column, default in (("active_days", 90.0), ("lapsed_days", 365.0)):
        values = sample[column].dropna() if column in sample.columns else pd.Series(dtype=float)
        thresholds[column] = float(values.iloc[0]) if len(values) else default
    names = name_segments(
        profile,
        previous_names=previous_names,
        overrides=overrides,
        vocabulary=load_vocabulary(vocabulary),
        **thresholds,
    )
    return names.astype(
        {
            "segment_id": "int64",
            "segment_name": "string",
            "segment_description": "string",
            "name_source": "string",
        }
    ).sort_values("segment_id", ignore_index=True)


PUBLISHED_TABLES = [
    "segment_membership",
    "segment_membership_changes",
    "segment_profiles",
    "segment_rules",
    "segment_history",
    "segment_transitions",
    "segment_lifecycle_transitions",
    "segment_lifecycle_thresholds",
    "segment_outcomes",
    "segment_validation",
    "segment_forecast_validation",
    "segment_holdout_summary",
    "segment_model_selection",
    "segment_lineage",
]


EXPORTED_TABLES = {
    "segment_membership": "customer_id",
    "segment_membership_changes": "customer_id",
    "segment_profiles": "segment_id",
    "segment_rules": "rule_id",
}
KEPT_EXPORT_RUNS = 3


def export_files(published: Mapping, exports_dir: str) -> list[dict]:
    """Write the sync tables as Parquet and CSV into a new run folder, then repoint `current`.

    `published` maps each table name to its relation as the model read it (`dbt.ref`). Sorted by
    key, fixed column order, so the same build gives the same bytes. CSV: header, comma,
    UTF-8, nulls as empty unquoted fields (text values are never empty, so an empty field is
    always a null). `current` is a symlink swapped with an atomic rename; the last
    KEPT_EXPORT_RUNS run folders are kept.
    """
    import os
    import shutil
    from datetime import UTC, datetime
    from pathlib import Path

    root = Path(exports_dir).resolve()
    runs = root / "runs"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run = runs / stamp
    run.mkdir(parents=True)
    rows = []
    for table, key in EXPORTED_TABLES.items():
        for extension, options in (("parquet", "format parquet"), ("csv", "format csv, header")):
            path = run / f"{table}.{extension}"
            published[table].query(
                "published",
                f"copy (select * from published order by {key}) to '{path}' ({options})",
            )
            rows.append({"table_name": table, "file_path": str(path)})
    link = root / "current"
    temporary = root / f".current.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("runs") / stamp)
    os.replace(temporary, link)
    for old in sorted(runs.iterdir())[:-KEPT_EXPORT_RUNS]:
        shutil.rmtree(old)
    return rows


def reader_database_path(session, configured: str | None) -> str:
    """Return the readers' file: the var, or `<build file>_published.duckdb` beside the build."""
    if configured:
        return configured
    main_path = session.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0][0]
    if not main_path:
        raise ValueError("the build database is in memory: set var published_database_path")
    base = main_path[: -len(".duckdb")] if main_path.endswith(".duckdb") else main_path
    return f"{base}_published.duckdb"


def export_for_readers(session, published: Mapping, target_path: str) -> pd.DataFrame:
    """Copy the published tables into a fresh DuckDB file and swap it in atomically.

    Readers (dashboards) open `target_path` read-only: a DuckDB file with a writer is locked
    against every other process, so they never read the build's own file. The copy is written
    to a temporary file, checkpointed and detached, then renamed over the old one (an atomic
    rename on one file system): a reader sees the old complete file or the new complete file.
    `published` maps each of PUBLISHED_TABLES to its relation as the model read it (`dbt.ref`);
    in the readers' file the tables sit in its default schema, `main`.
    """
    import os
    from datetime import UTC, datetime
    from pathlib import Path

    target = Path(target_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    alias = "published_for_readers"
    rows = []
    missing = sorted(set(PUBLISHED_TABLES) - set(published))
    if missing:
        raise ValueError(f"published_export: no relation for {', '.join(missing)}")
    session.execute(f"attach '{temporary}' as {alias}")
    try:
        for table in PUBLISHED_TABLES:
            published[table].query(
                "published", f'create table {alias}.main."{table}" as select * from published'
            )
            count = session.sql(f'select count(*) from {alias}.main."{table}"').fetchall()[0][0]
            rows.append({"table_name": table, "n_rows": int(count)})
        session.execute(f"checkpoint {alias}")
    finally:
        session.execute(f"detach {alias}")
    os.replace(temporary, target)
    exported_at = datetime.now(UTC).replace(tzinfo=None)
    frame = pd.DataFrame(rows)
    frame["database_path"] = str(target)
    frame["exported_at"] = pd.Timestamp(exported_at)
    return frame.astype({"table_name": "string", "database_path": "string", "n_rows": "int64"})

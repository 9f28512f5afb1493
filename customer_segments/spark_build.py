"""Build the project on Apache Spark: dbt stages with the Python steps in between.

dbt-spark runs dbt Python models only on Databricks. On any other Spark (here: local mode through
dbt-spark's `session` method) this command runs the whole build in one process:

1. `dbt build` up to the SQL-drawn samples (int_fit_sample, int_outcome_fit_sample,
   int_validation_sample);
2. fit: the samples are read through Spark, `fit_or_reuse` appends the registry rows, and the
   selection and lineage tables are rewritten from the registry;
3. `dbt build` of the SQL scoring up to the scored fit sample;
4. explain and name: `explain_segments` and `name_segments_for_build` write the rules and names;
5. `dbt build` of everything else: candidates, their tests, the publish gate, published tables.

Steps 2 and 4 call the same package functions as the dbt Python models (customer_segments
.steps) and write their tables into `<target schema>_python_steps`, which the views in
models/python_outputs/ expose under the Python models' names. Tests run in the stage that builds
the last of their parents (indirect selection `buildable`), so every test runs once.

    customer-segments-spark [dbt arguments, e.g. --vars '{refit: false}']
"""

import argparse
import sys
import time
from collections.abc import Sequence

import pandas as pd

from customer_segments.dbt_runtime import as_pandas, table_exists
from customer_segments.model.registry import lineage_frame, selection_frame
from customer_segments.steps import (
    ExplainConfig,
    FitInputs,
    explain_segments,
    fit_or_reuse,
    name_segments_for_build,
    parse_model_config,
)

PACKAGE = "customer_segments"
SAMPLES = ["int_fit_sample", "int_outcome_fit_sample", "int_validation_sample"]
FIT_STAGE = [
    *(f"+{sample}" for sample in SAMPLES),
    # the naming reads each customer's lifecycle stage and the thresholds from the scored sample
    "+int_customer_lifecycle_stages",
    "segment_name_overrides",
    "segment_name_vocabulary",
]
SCORING_STAGE = [
    "segment_model_registry",
    "segment_model_selection",
    "segment_lineage",
    "int_segment_scores",
    "int_scored_fit_sample",
    # Its parents span the first two stages (the samples, the scores): named, so it runs here.
    "assert_fit_sample_segments_meet_minimum_share",
]
# The last stage is everything not built yet: the upstream of the scored fit sample (the fit
# sample, the registry and the scores), the other samples and nodes of the first stage, and the
# second stage's Python-step views.
EXPLAINED_STAGE_EXCLUDES = [
    "+int_scored_fit_sample",
    "+int_outcome_fit_sample",
    "+int_validation_sample",
    "+int_customer_lifecycle_stages",
    "segment_name_overrides",
    "segment_name_vocabulary",
    "segment_model_selection",
    "segment_lineage",
]


def say(message: str) -> None:
    """Print one progress line between the dbt stages."""
    print(f"customer-segments-spark: {message}", flush=True)


class StageFailed(RuntimeError):
    """A dbt stage did not succeed; its output names the failing node."""


def run_dbt(arguments: list[str]) -> object:
    """Invoke dbt in this process (so it shares the SparkSession) and return its result."""
    from dbt.cli.main import dbtRunner

    outcome = dbtRunner().invoke(arguments)
    if not outcome.success:
        raise StageFailed(f"dbt {' '.join(arguments)} failed: {outcome.exception or 'see above'}")
    return outcome.result


def spark_session():
    """Return the SparkSession dbt-spark opened in this process."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    return session if session is not None else SparkSession.builder.getOrCreate()


def read_table(session, relation: str) -> pd.DataFrame | None:
    """Read a whole Spark table into pandas, or None when it does not exist."""
    schema, identifier = relation.split(".")
    if not table_exists(session, schema, identifier):
        return None
    return as_pandas(session.table(relation))


def write_table(session, frame: pd.DataFrame, relation: str, mode: str) -> None:
    """Write a pandas frame as a Parquet table (mode: 'append' or 'overwrite')."""
    schema = relation.split(".")[0]
    session.sql(f"create schema if not exists {schema}")
    if frame.empty and mode == "append" and session.catalog.tableExists(relation):
        return
    # Plain Python values, every missing value (NaN, NA, NaT) a null, as DuckDB stores them.
    cells = frame.astype(object).where(frame.notna(), None).values.tolist()
    rows = [[_python_value(value) for value in row] for row in cells]
    spark_frame = session.createDataFrame(rows, schema=_spark_schema(frame))
    spark_frame.write.mode(mode).format("parquet").saveAsTable(relation)


def _python_value(value: object) -> object:
    """Return a value Spark's row verifier accepts (datetime, int, float, str, bool or None)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _spark_schema(frame: pd.DataFrame) -> str:
    """Return a Spark DDL schema for a pandas frame (text, 64-bit ints and floats, timestamps)."""
    types = []
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            spark_type = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            spark_type = "bigint"
        elif pd.api.types.is_float_dtype(dtype):
            spark_type = "double"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            spark_type = "timestamp"
        else:
            spark_type = "string"
        types.append(f"`{column}` {spark_type}")
    return ", ".join(types)


def project_settings(dbt_arguments: list[str]) -> dict:
    """Parse the project for this target and vars; return schemas and the Python steps' configs."""
    manifest = run_dbt(["parse", *dbt_arguments])
    nodes = {node.name: node for node in manifest.nodes.values() if node.resource_type == "model"}
    steps = {
        source.name: f"{source.schema}.{source.identifier}"
        for source in manifest.sources.values()
        if source.source_name == "python_steps"
    }
    if not steps:
        raise ValueError(
            "source python_steps is not enabled for this target: customer-segments-spark is "
            "for `--target spark` (a profile of type spark)"
        )
    rules_config = nodes["int_segment_rules_fitted"].config
    overrides = manifest.nodes[f"seed.{PACKAGE}.segment_name_overrides"]
    vocabulary = manifest.nodes[f"seed.{PACKAGE}.segment_name_vocabulary"]
    return {
        # each model's own schema (schemas by layer): the samples and the scored sample
        "relations": {
            name: f"{nodes[name].schema}.{nodes[name].alias or name}"
            for name in (*SAMPLES, "int_scored_fit_sample")
        },
        "steps": steps,
        "model_config": parse_model_config(
            nodes["segment_model_registry"].config.get("segment_model_config")
        ),
        "explain": ExplainConfig.from_config(rules_config),
        "overrides": f"{overrides.schema}.{overrides.alias}",
        "vocabulary": f"{vocabulary.schema}.{vocabulary.alias}",
    }


def fit_step(session, settings: dict) -> None:
    """Fit (or reuse) the model on the SQL-drawn sample; append to the registry."""
    steps = settings["steps"]
    sample, outcome_sample, validation_sample = (
        as_pandas(session.table(settings["relations"][name])) for name in SAMPLES
    )
    inputs = FitInputs(
        sample=sample,
        registry=read_table(session, steps["segment_model_registry"]),
        outcome_sample=outcome_sample,
        validation_sample=validation_sample,
    )
    appended = fit_or_reuse(inputs, settings["model_config"], log=say)
    write_table(session, appended, steps["segment_model_registry"], mode="append")
    full = as_pandas(session.table(steps["segment_model_registry"]))
    write_table(session, selection_frame(full), steps["segment_model_selection"], "overwrite")
    write_table(session, lineage_frame(full), steps["segment_lineage"], "overwrite")


def explain_step(session, settings: dict) -> None:
    """Fit the rules on the scored fit sample and name the segments."""
    steps = settings["steps"]
    sample = as_pandas(session.table(settings["relations"]["int_scored_fit_sample"]))
    registry = as_pandas(session.table(steps["segment_model_registry"]))
    rules = explain_segments(sample, registry, settings["explain"], log=say)
    write_table(session, rules, steps["int_segment_rules_fitted"], "overwrite")
    previous = read_table(session, steps["int_segment_names_derived"])
    overrides = as_pandas(session.table(settings["overrides"]))
    vocabulary = as_pandas(session.table(settings["vocabulary"]))
    names = name_segments_for_build(sample, previous, overrides, vocabulary)
    write_table(session, names, steps["int_segment_names_derived"], "overwrite")


def without_exclude(arguments: list[str]) -> list[str]:
    """Return the arguments minus `--exclude` and its values (dbt parse takes no selection)."""
    kept, skipping = [], False
    for argument in arguments:
        if argument == "--exclude":
            skipping = True
        elif skipping and not argument.startswith("-"):
            continue
        else:
            skipping = False
            kept.append(argument)
    return kept


def build(dbt_arguments: Sequence[str]) -> None:
    """Run the five stages; raise StageFailed (or the Python step's error) on the first failure."""
    arguments = list(dbt_arguments)
    if {"--select", "-s", "--models", "-m", "--selector"} & set(arguments):
        raise StageFailed("customer-segments-spark selects each stage itself: pass no --select")
    if "--target" not in arguments and "-t" not in arguments:
        arguments = ["--target", "spark", *arguments]
    settings = project_settings(without_exclude(arguments))
    started = time.monotonic()
    run_dbt(["build", *arguments, "--select", *FIT_STAGE, "--indirect-selection", "buildable"])
    session = spark_session()
    fit_step(session, settings)
    run_dbt(["build", *arguments, "--select", *SCORING_STAGE, "--indirect-selection", "buildable"])
    explain_step(session, settings)
    run_dbt(
        [
            "build",
            *arguments,
            "--exclude",
            *EXPLAINED_STAGE_EXCLUDES,
            "--indirect-selection",
            "buildable",
        ]
    )
    say(f"built in {time.monotonic() - started:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: every argument is passed to each dbt invocation."""
    parser = argparse.ArgumentParser(
        prog="customer-segments-spark",
        description="dbt build on Spark with the fit, explainer and naming steps in between. "
        "Arguments go to dbt (default --target spark).",
    )
    _, dbt_arguments = parser.parse_known_args(argv)
    try:
        build(dbt_arguments)
    except StageFailed as failure:
        print(failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

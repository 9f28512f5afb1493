"""The feature catalogue: one entry per feature (meta.feature on feat_customer_features), read by
the SQL (profiles), the docs ({% docs %} blocks) and the Python (preprocessing, rule phrases,
naming labels and dimensions); adding a feature is its SQL plus its entry."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, connect, query, run_dbt

from customer_segments.explain.naming import DIMENSIONS, FEATURE_LABELS, HIGH_ONLY
from customer_segments.explain.rules import _bound_text, format_threshold
from customer_segments.features import CATALOGUE_PATH, catalogue, feature, load_catalogue
from customer_segments.model.preprocess import default_fill, default_transform

NEW_FEATURE = "recent_spend_share"
NEW_FEATURE_SQL = f"""
        case
            when order_features.net_spend > 0
                then least(1.0, greatest(0.0,
                    cast(order_features.spend_90d as double) / order_features.net_spend))
            else 0.0
        end as {NEW_FEATURE},"""
NEW_FEATURE_ENTRY = f"""\
      - name: {NEW_FEATURE}
        description: "Spend in the last 90 days / net spend, between 0 and 1."
        meta:
          feature:
            unit: share
            label: "recent spend share"
            phrases:
              at_most: "recent spend share ≤ {{v}}"
              more_than: "recent spend share above {{v}}"
              between: "recent spend share above {{lo}} and ≤ {{hi}}"
"""


def manifest_of(db_path: Path) -> dict:
    target = db_path.parent / f"dbt_{db_path.stem}" / "target"
    return json.loads((target / "manifest.json").read_text())


def test_python_reads_the_entries_dbt_reads(sample_warehouse):
    node = manifest_of(sample_warehouse)["nodes"]["model.customer_segments.feat_customer_features"]
    in_dbt = {
        name: column["meta"]["feature"]
        for name, column in node["columns"].items()
        if "feature" in column["meta"]
    }
    assert list(in_dbt) == list(catalogue())
    assert len(in_dbt) == 17
    for name, entry in catalogue().items():
        assert entry.unit == in_dbt[name]["unit"]
        assert entry.label == in_dbt[name]["label"]
        # the description is the feature's docs block, shared by every table that carries it
        assert node["columns"][name]["description"].strip()
    samples = manifest_of(sample_warehouse)["nodes"]
    for model in ("int_fit_sample", "int_validation_sample", "int_scored_fit_sample"):
        columns = samples[f"model.customer_segments.{model}"]["columns"]
        for name in catalogue():
            described = node["columns"][name]["description"]
            assert columns[name]["description"] == described, (model, name)


def test_the_profiles_carry_each_catalogue_feature_and_no_other(sample_warehouse):
    profiles = query(sample_warehouse, "select * from segment_profiles")
    expected = {f"{kind}_{name}" for name in catalogue() for kind in ("mean", "median", "lift")}
    per_feature = {
        column
        for column in profiles.columns
        if column.startswith(("mean_", "median_", "lift_")) and "expected_" not in column
    }
    assert per_feature == expected


def test_the_python_rules_come_from_the_entries():
    entries = catalogue()
    # modelled: shares and indexes as they are, the rest through the signed log
    assert default_transform("email_open_rate") == "identity"
    assert default_transform("activity_trend") == "identity"
    assert default_transform("net_spend") == "slog1p"
    assert {name for name, e in entries.items() if e.transform == "identity"} == {
        "refund_share",
        "email_open_rate",
        "email_click_rate",
        "activity_trend",
    }
    # null means never for the days-since features: filled with the largest value seen
    present = pd.Series([3.0, 10.0, 400.0]).to_numpy()
    assert default_fill("days_since_last_event", present) == 400.0
    assert default_fill("tenure_days", present) == 10.0
    # naming reads the labels, dimensions and high-only flags
    assert FEATURE_LABELS["refund_share"] == ("refund share", "percent")
    assert "activity_trend" not in FEATURE_LABELS  # signed: ratios to the population say nothing
    assert DIMENSIONS["recency"] == (("days_since_last_order", -1), ("days_since_last_event", -1))
    assert DIMENSIONS["sessions"] == (("sessions_90d", 1), ("sessions_30d", 1))
    assert HIGH_ONLY == {"refund_share", "support_tickets_90d"}
    # rule text: shares as percentages, counts as whole ranges
    assert format_threshold("email_open_rate", 0.25) == "25%"
    assert _bound_text("email_open_rate", None, 0.25) == "email open rate ≤ 25%"
    assert _bound_text("order_count", 1.0, 4.0) == "2 to 4 orders"
    assert _bound_text("active_months", None, 1.0) == "active in one month"


def write_catalogue(path: Path, column: dict) -> Path:
    path.write_text(
        yaml.safe_dump({"models": [{"name": "feat_customer_features", "columns": [column]}]}),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"unit": "euros", "label": "x"}, "unit 'euros' is not one of"),
        ({"unit": "count", "label": "x"}, "a count needs a count_phrase"),
        ({"unit": "amount", "label": "x", "phrases": {"at_most": "a"}}, "phrases must give"),
        ({"unit": "count", "label": "x", "count_phrase": "{n} x", "colour": 1}, "unknown keys"),
        ({"unit": "count", "count_phrase": "{n} x"}, "has no label"),
        ({"unit": "count", "label": "x", "count_phrase": "{n}", "fill": "mean"}, "fill 'mean'"),
    ],
)
def test_a_bad_entry_is_refused_by_name(tmp_path, meta, message):
    column = {"name": "odd_feature", "meta": {"feature": meta}}
    path = write_catalogue(tmp_path / "models.yml", column)
    with pytest.raises(ValueError, match=message) as raised:
        load_catalogue(path)
    assert "feat_customer_features.odd_feature" in str(raised.value)


def test_an_unknown_feature_is_refused_by_name():
    with pytest.raises(ValueError, match="'lifetime_value' is not in the feature catalogue"):
        feature("lifetime_value")
    assert CATALOGUE_PATH.is_file()


def test_segment_features_outside_the_catalogue_fail_the_fit_by_name(warehouse_copy):
    features = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["segment_features"]
    result = run_dbt(
        warehouse_copy,
        command="run --select segment_model_registry",
        dbt_vars={"segment_features": [*features, "lifetime_value"]},
        check=False,
    )
    assert not result.ok
    assert "segment_features names 'lifetime_value', not in the feature catalogue" in result.output


def copy_project(destination: Path) -> Path:
    """A copy of the project (and so of its Python package) to change."""
    shutil.copytree(
        REPO,
        destination,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "target", "logs", "dbt_packages", "__pycache__", "*.duckdb*"
        ),
    )
    return destination


def test_a_new_feature_is_its_sql_and_its_catalogue_entry(tmp_path):
    project = copy_project(tmp_path / "project")
    sql = project / "models/features/feat_customer_features.sql"
    text = sql.read_text()
    anchor = "        order_features.refund_share,"
    assert text.count(anchor) == 1
    sql.write_text(text.replace(anchor, anchor + NEW_FEATURE_SQL))
    properties = project / "models/features/_features__models.yml"
    text = properties.read_text()
    anchor = (
        "      - name: sessions_30d\n        description: \"{{ doc('feature_sessions_30d') }}\""
    )
    assert text.count(anchor) == 1
    properties.write_text(text.replace(anchor, NEW_FEATURE_ENTRY + anchor))
    # the published profiles keep an enforced contract: its three columns are written down
    contract = project / "models/segments/_segments__models.yml"
    text = contract.read_text()
    anchor = '        description: "mean_activity_trend / population mean."\n'
    assert text.count(anchor) == 1
    columns = "".join(
        f"      - name: {kind}_{NEW_FEATURE}\n        data_type: double\n"
        f'        description: "Segment {kind} of {NEW_FEATURE}."\n'
        for kind in ("mean", "median", "lift")
    )
    contract.write_text(text.replace(anchor, anchor + columns))

    features = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["segment_features"]
    db_path = tmp_path / "new_feature.duckdb"
    result = run_dbt(
        db_path,
        dbt_vars={"segment_features": [*features, NEW_FEATURE], "history_months": 0},
        project_dir=project,
        env={"PYTHONPATH": str(project)},
    )
    assert "Completed successfully" in result.output

    registry = query(db_path, "select model_json from segment_model_registry")
    prep = json.loads(registry["model_json"].iloc[0])["prep"]
    assert NEW_FEATURE in prep["features"]
    assert prep["transform"][prep["features"].index(NEW_FEATURE)] == "identity"

    with connect(db_path) as connection:
        profiles = connection.sql(
            f"select segment_id, mean_{NEW_FEATURE}, lift_{NEW_FEATURE} from segment_profiles"
        ).df()
        members = connection.sql(
            f"""
            select m.segment_id, cast(f.{NEW_FEATURE} as double) as value
            from segment_membership as m
            inner join feat_customer_features as f
                on m.customer_id = f.customer_id and f.is_latest_as_of_date
            """
        ).df()
        rules = connection.sql("select rule_text, rule_sql from segment_rules").df()
    expected = members.groupby("segment_id")["value"].mean()
    got = profiles.set_index("segment_id")[f"mean_{NEW_FEATURE}"]
    assert len(got) >= 2
    same = {"check_names": False, "check_index_type": False, "rtol": 1e-9}
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), **same)
    population = members["value"].mean()
    lift = profiles.set_index("segment_id")[f"lift_{NEW_FEATURE}"].sort_index()
    pd.testing.assert_series_equal(lift, got.sort_index() / population, **same)
    # the explainer phrases it from its entry wherever the tree splits on it ...
    for text, condition in zip(rules["rule_text"], rules["rule_sql"], strict=True):
        assert (NEW_FEATURE in condition) == ("recent spend share" in text), (text, condition)
    # ... and the copy's package, which the build ran, words it and names with it
    words = subprocess.run(
        [
            sys.executable,
            "-c",
            "from customer_segments.explain.rules import _bound_text\n"
            "from customer_segments.explain.naming import FEATURE_LABELS\n"
            f"print(_bound_text({NEW_FEATURE!r}, None, 0.25))\n"
            f"print(FEATURE_LABELS[{NEW_FEATURE!r}])",
        ],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert words == ["recent spend share ≤ 25%", "('recent spend share', 'percent')"]

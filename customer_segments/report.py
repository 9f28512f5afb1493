"""A self-contained HTML segment report rendered from the readers' DuckDB file.

The page is laid out by the Jinja2 templates in ``customer_segments/templates/report/`` (every value
escaped), with its CSS inlined and its charts as inline SVG: no JavaScript, no external resources.
The builders below turn the published tables into the plain values each section shows; every
number is read from the tables, and the numbers a test compares carry ``data-value`` attributes
(the exact value) or stable ids next to the formatted text.

Usage::

    python -m customer_segments.report --database build/customer_segments_published.duckdb \
        --out report.html
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from customer_segments.charts import bic_svg, share_over_time_svg

REQUIRED_TABLES = (
    "segment_membership",
    "segment_profiles",
    "segment_rules",
    "segment_history",
    "segment_transitions",
    "segment_model_selection",
    "segment_lineage",
)
# Ten well-separated categorical colours; a segment's colour depends on its id only.
SEGMENT_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#b07aa1",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#79706e",
)
# Diverging lift scale: log2(lift) from -LIFT_LOG2_LIMIT (blue) through 0 (lift 1) to + (red).
LIFT_STOPS = (
    (-1.0, "#2166ac"),
    (-0.5, "#92c5de"),
    (0.0, "#f7f7f7"),
    (0.5, "#f4a582"),
    (1.0, "#b2182b"),
)
LIFT_LOG2_LIMIT = 3.0
NULL_GREY = "#d9d9d9"
# Covariance types are not segments: darker lines, told apart by their dash pattern too.
COVARIANCE_STYLES = (
    ("#37474f", ""),
    ("#7a4fa3", "7 4"),
    ("#a05a2c", "2 3"),
    ("#1b7837", "9 3 2 3"),
)
MINUS = "\u2212"


class ReportError(Exception):
    """The readers' database cannot be turned into a report."""


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows, read from the readers' DuckDB file."""

    as_of_date: date | None
    model_version: str
    n_customers: int
    profiles: list[dict[str, Any]]
    lift_columns: list[str]
    rules: list[dict[str, Any]]
    history: list[dict[str, Any]]
    transitions: list[dict[str, Any]]
    selection: list[dict[str, Any]]
    lineage: list[dict[str, Any]]
    newer_versions: list[str]
    segment_names: dict[int, str]
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    validation: list[dict[str, Any]] = field(default_factory=list)
    segment_space: str = "features"
    lifecycle_thresholds: dict[str, Any] | None = None
    lifecycle_stages: list[dict[str, Any]] = field(default_factory=list)
    lifecycle_transitions: list[dict[str, Any]] = field(default_factory=list)


def _records(
    connection: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts keyed by column name."""
    cursor = connection.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_report_data(database: Path) -> ReportData:
    """Read the published tables the report needs from the readers' file (read-only)."""
    if not database.is_file():
        raise ReportError(f"database {database} does not exist")
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = {
            row["table_name"]
            for row in _records(connection, "select table_name from information_schema.tables")
        }
        missing = [table for table in REQUIRED_TABLES if table not in tables]
        if missing:
            raise ReportError(f"{database}: missing table(s) {', '.join(missing)}")
        versions = [
            row["model_version"]
            for row in _records(
                connection,
                "select distinct model_version from segment_profiles order by model_version",
            )
        ]
        if len(versions) != 1:
            raise ReportError(
                f"{database}: segment_profiles.model_version should hold one value, got {versions}"
            )
        model_version = versions[0]
        profiles = _records(connection, "select * from segment_profiles order by segment_id")
        # a feature not measured (orders only: every engagement lift is null) is left out
        lift_columns = [
            name
            for name in (profiles[0] if profiles else {})
            if name.startswith("lift_") and any(not _is_missing(row[name]) for row in profiles)
        ]
        as_of = _records(
            connection,
            "select max(as_of_date) as as_of_date from segment_history where is_latest_as_of_date",
        )[0]["as_of_date"]
        n_customers = _records(connection, "select count(*) as n from segment_membership")[0]["n"]
        rules = _records(
            connection,
            """
            select rule_id, segment_id, segment_name, rule_text, n_customers, support,
                rule_precision, tree_fidelity
            from segment_rules
            order by rule_id
            """,
        )
        history = _records(
            connection,
            """
            select
                as_of_date,
                segment_id,
                count(*) as n_customers,
                count(*) / sum(count(*)) over (partition by as_of_date) as share
            from segment_history
            group by as_of_date, segment_id
            order by as_of_date, segment_id
            """,
        )
        transitions = _records(
            connection,
            """
            select from_as_of_date, to_as_of_date, from_segment_id, to_segment_id,
                n_customers, transition_rate
            from segment_transitions
            where to_as_of_date = (select max(to_as_of_date) from segment_transitions)
            order by from_segment_id, to_segment_id
            """,
        )
        spaces = _records(
            connection,
            """
            select segment_space from segment_model_selection
            where model_version = ? and is_chosen
            """,
            [model_version],
        )
        segment_space = str(spaces[0]["segment_space"]) if spaces else "features"
        selection = _records(
            connection,
            """
            select k, covariance_type, bic, converged, smallest_share, rejected_reason, is_chosen
            from segment_model_selection
            where model_version = ? and segment_space = ?
            order by covariance_type, k
            """,
            [model_version, segment_space],
        )
        outcomes, validation = [], []
        if "segment_outcomes" in tables:
            # What the segments did next at the latest date whose 90 days are observed.
            outcomes = _records(
                connection,
                """
                select * from segment_outcomes
                where as_of_date = (select max(as_of_date) from segment_outcomes)
                order by segment_id
                """,
            )
        if "segment_validation" in tables:
            validation = _records(
                connection,
                """
                select
                    segmentation,
                    count(*) as n_dates,
                    min(as_of_date) as first_date,
                    max(as_of_date) as last_date,
                    max(n_groups) as n_groups,
                    avg(eta_squared_spend_90d) as eta_squared_spend_90d,
                    avg(eta_squared_bought_again_90d) as eta_squared_bought_again_90d
                from segment_validation
                group by segmentation
                order by case segmentation when 'segments' then 0 when 'kmeans_log_rfm' then 1
                    else 2 end
                """,
            )
        lineage = _records(
            connection,
            """
            select previous_model_version, segment_id, event, related_segment_id, distance
            from segment_lineage
            where model_version = ?
            order by segment_id, event, related_segment_id nulls first
            """,
            [model_version],
        )
        newer_versions = [
            row["model_version"]
            for row in _records(
                connection,
                """
                select distinct model_version from segment_lineage
                where previous_model_version = ?
                order by model_version
                """,
                [model_version],
            )
        ]
        lifecycle_thresholds, lifecycle_stages, lifecycle_transitions = None, [], []
        if "segment_lifecycle_thresholds" in tables:
            lifecycle_thresholds = (
                _records(connection, "select * from segment_lifecycle_thresholds") or [None]
            )[0]
            lifecycle_stages = _records(
                connection,
                """
                select lifecycle_stage, count(*) as n_customers,
                    count(*) / sum(count(*)) over () as share
                from segment_membership
                group by lifecycle_stage
                """,
            )
        if "segment_lifecycle_transitions" in tables:
            lifecycle_transitions = _records(
                connection,
                """
                select from_lifecycle_stage, to_lifecycle_stage, n_customers, transition_rate,
                    from_as_of_date, to_as_of_date
                from segment_lifecycle_transitions
                where to_as_of_date = (select max(to_as_of_date) from segment_lifecycle_transitions)
                """,
            )
        history_names = _records(
            connection,
            """
            select segment_id, arg_max(segment_name, as_of_date) as segment_name
            from segment_history
            group by segment_id
            order by segment_id
            """,
        )
    segment_names = {int(row["segment_id"]): str(row["segment_name"]) for row in history_names}
    segment_names.update({int(row["segment_id"]): str(row["segment_name"]) for row in profiles})
    return ReportData(
        as_of_date=as_of,
        model_version=str(model_version),
        n_customers=int(n_customers),
        profiles=profiles,
        lift_columns=lift_columns,
        rules=rules,
        history=history,
        transitions=transitions,
        selection=selection,
        lineage=lineage,
        newer_versions=[str(version) for version in newer_versions],
        segment_names=segment_names,
        outcomes=outcomes,
        validation=validation,
        segment_space=segment_space,
        lifecycle_thresholds=lifecycle_thresholds,
        lifecycle_stages=lifecycle_stages,
        lifecycle_transitions=lifecycle_transitions,
    )


# ---------------------------------------------------------------- formatting


def _is_missing(value: Any) -> bool:
    """Tell whether a value is None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _data_value(value: Any) -> str:
    """Format the exact value for a data-value attribute (floats round-trip via repr)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _minus(text: str) -> str:
    """Replace a leading hyphen-minus with a typographic minus sign."""
    return MINUS + text[1:] if text.startswith("-") else text


def format_int(value: int) -> str:
    """Format an integer with thousands separators, e.g. 4,730."""
    return _minus(f"{int(value):,}")


def format_percent(share: float, digits: int = 1) -> str:
    """Format a share as a percentage, e.g. 0.3042 -> 30.4% (tiny non-zero shares: 2 digits)."""
    text = f"{share * 100:.{digits}f}"
    if float(text) == 0 and share != 0:
        text = f"{share * 100:.2g}"
    return _minus(text) + "%"


def format_lift(lift: Any) -> str:
    """Format a lift as a multiplier, e.g. 2.50×; n/a when missing."""
    if _is_missing(lift):
        return "n/a"
    if lift == 0:
        return "0×"
    digits = 0 if abs(lift) >= 10 else 2
    return _minus(f"{lift:.{digits}f}") + "×"


def format_month(day: date) -> str:
    """Format a month label, e.g. Jun 2025."""
    return day.strftime("%b %Y")


def format_axis_number(value: float, step: float) -> str:
    """Format an axis tick label, in thousands (k) when the step is at least 1,000."""
    if step >= 1000:
        return _minus(f"{value / 1000:,.{_decimals(step / 1000)}f}k")
    return _minus(f"{value:,.{_decimals(step)}f}")


def _decimals(step: float) -> int:
    """Decimals needed to print multiples of step."""
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:
        decimals += 1
    return decimals


def segment_colour(segment_id: int) -> str:
    """Return the fixed colour of a segment id (the same in every chart and report)."""
    return SEGMENT_PALETTE[(int(segment_id) - 1) % len(SEGMENT_PALETTE)]


def feature_label(column: str) -> str:
    """Turn a lift_<feature> column into a readable name, e.g. Orders (90d)."""
    words = column.removeprefix("lift_").split("_")
    for index, word in enumerate(words):
        if word[:-1].isdigit() and word.endswith("d"):
            words[index] = f"({word})"
        elif word == "avg":
            words[index] = "avg."
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """#rrggbb -> (r, g, b)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(low: str, high: str, fraction: float) -> str:
    """Linear mix of two #rrggbb colours."""
    low_rgb, high_rgb = _hex_to_rgb(low), _hex_to_rgb(high)
    mixed = (round(a + (b - a) * fraction) for a, b in zip(low_rgb, high_rgb, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def lift_colour(lift: Any) -> str | None:
    """Return the cell colour on the diverging log scale around 1.0; None when off the scale."""
    if _is_missing(lift):
        return NULL_GREY
    if lift < 0:
        return None
    position = -1.0 if lift == 0 else math.log2(lift) / LIFT_LOG2_LIMIT
    position = max(-1.0, min(1.0, position))
    for (left, left_colour), (right, right_colour) in zip(LIFT_STOPS, LIFT_STOPS[1:]):
        if position <= right:
            return _mix(left_colour, right_colour, (position - left) / (right - left))
    return LIFT_STOPS[-1][1]


def _text_colour(background: str) -> str:
    """Dark or white text, whichever reads better on the background."""
    red, green, blue = (channel / 255 for channel in _hex_to_rgb(background))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#ffffff" if luminance < 0.5 else "#1d2329"


def _f(value: float) -> str:
    """Format a compact SVG coordinate."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- what each section shows
# Each builder returns the plain values its template (customer_segments/templates/report/) lays
# out; the templates escape every value, the two charts arrive as ready-made SVG.


def _segment(data: ReportData, segment_id: Any) -> dict[str, Any] | None:
    """Return a segment's id and name for the templates (None when there is no segment)."""
    if _is_missing(segment_id):
        return None
    segment_id = int(segment_id)
    return {"id": segment_id, "name": data.segment_names.get(segment_id, f"Segment {segment_id}")}


def _header(data: ReportData) -> dict[str, Any]:
    """Return the title facts: as-of date, customers, segments, model version."""
    return {
        "as_of": data.as_of_date.isoformat() if data.as_of_date else "n/a",
        "n_customers": data.n_customers,
        "n_segments": len(data.profiles),
        "model_version": data.model_version,
    }


def _sizes(data: ReportData) -> dict[str, Any]:
    """Return a bar per segment, largest first: customers, share, width and description."""
    rows = sorted(data.profiles, key=lambda row: (-int(row["n_customers"]), int(row["segment_id"])))
    largest = max((float(row["customer_share"]) for row in rows), default=0.0) or 1.0
    return {
        "n_customers": data.n_customers,
        "rows": [
            {
                "segment": _segment(data, row["segment_id"]),
                "n_customers": int(row["n_customers"]),
                "share": float(row["customer_share"]),
                "width": 1000 * float(row["customer_share"]) / largest,
                "description": str(row["segment_description"] or ""),
            }
            for row in rows
        ],
    }


def _heatmap(data: ReportData) -> dict[str, Any]:
    """Return each feature's lift per segment with its colour on the diverging log scale."""
    rows = []
    for column in data.lift_columns:
        # A negative lift means the feature is signed (segment averages on both sides of zero):
        # a ratio to its average is not on the scale, so the whole row is left uncoloured.
        signed = any(
            not _is_missing(row[column]) and float(row[column]) < 0 for row in data.profiles
        )
        cells = []
        for row in data.profiles:
            lift = row[column]
            missing = _is_missing(lift)
            cells.append(
                {
                    "segment_id": int(row["segment_id"]),
                    "lift": None if missing else float(lift),
                    "missing": missing,
                    "colour": None if signed and not missing else lift_colour(lift),
                }
            )
        rows.append({"column": column, "label": feature_label(column), "cells": cells})
    legend_steps = [(-3, "⅛×"), (-2, "¼×"), (-1, "½×"), (0, "1×"), (1, "2×"), (2, "4×"), (3, "8×")]
    return {
        "segments": [_segment(data, row["segment_id"]) for row in data.profiles],
        "rows": rows,
        "legend": [
            {
                "label": label,
                "colour": lift_colour(2.0**power),
                "text_colour": _text_colour(lift_colour(2.0**power) or NULL_GREY),
            }
            for power, label in legend_steps
        ],
    }


def _rules(data: ReportData) -> dict[str, Any]:
    """Return the rules and the tree fidelity (one value; several if the rules disagree)."""
    return {
        "rows": [
            {
                "rule_id": str(rule["rule_id"]),
                "segment": {"id": int(rule["segment_id"]), "name": str(rule["segment_name"])},
                "text": str(rule["rule_text"]),
                "support": float(rule["support"]),
                "precision": float(rule["rule_precision"]),
            }
            for rule in data.rules
        ],
        "fidelities": sorted({float(rule["tree_fidelity"]) for rule in data.rules}),
    }


def _history(data: ReportData) -> dict[str, Any] | None:
    """Return the share-over-time chart and each segment's latest share; None without history."""
    months = sorted({row["as_of_date"] for row in data.history})
    if not months:
        return None
    segments = sorted({int(row["segment_id"]) for row in data.history})
    shares = {
        (row["as_of_date"], int(row["segment_id"])): float(row["share"]) for row in data.history
    }
    series = [
        (
            segment_colour(segment_id),
            [shares.get((month, segment_id), 0.0) for month in months],
        )
        for segment_id in segments
    ]
    chart = share_over_time_svg(months, series, format_month)
    return {
        "first_month": months[0],
        "last_month": months[-1],
        "chart": Markup(chart),  # matplotlib's SVG: its text is XML-escaped
        # the top band first, as the bands are stacked
        "labels": [
            {
                "segment": _segment(data, segment_id),
                "share": shares.get((months[-1], segment_id), 0.0),
            }
            for segment_id in reversed(segments)
        ],
    }


def _transitions(data: ReportData) -> dict[str, Any] | None:
    """Return the from × to matrix of the last month pair, shaded by rate; None without moves."""
    if not data.transitions:
        return None
    first = data.transitions[0]
    from_ids = sorted({int(row["from_segment_id"]) for row in data.transitions})
    to_ids = sorted({int(row["to_segment_id"]) for row in data.transitions})
    cells = {
        (int(row["from_segment_id"]), int(row["to_segment_id"])): row for row in data.transitions
    }

    def cell(from_id: int, to_id: int) -> dict[str, Any] | None:
        """Return one cell: rate, customers and colour; None when nobody made the move."""
        row = cells.get((from_id, to_id))
        if row is None:
            return None
        rate = float(row["transition_rate"])
        return {
            "from_id": from_id,
            "to_id": to_id,
            "rate": rate,
            "n_customers": int(row["n_customers"]),
            "colour": _mix("#f4f6f8", "#08306b", math.sqrt(max(0.0, min(1.0, rate)))),
            "same": from_id == to_id,
        }

    return {
        "from_date": first["from_as_of_date"].isoformat(),
        "to_date": first["to_as_of_date"].isoformat(),
        "to_segments": [_segment(data, segment_id) for segment_id in to_ids],
        "rows": [
            {
                "segment": _segment(data, from_id),
                "cells": [cell(from_id, to_id) for to_id in to_ids],
            }
            for from_id in from_ids
        ],
    }


def _outcomes(data: ReportData) -> dict[str, Any] | None:
    """Return what each segment's customers did in the 90 days after the latest observed date."""
    if not data.outcomes:
        return None
    first = data.outcomes[0]
    rows = sorted(data.outcomes, key=lambda r: -float(r["bought_again_90d_share"]))
    return {
        "as_of": str(first["as_of_date"]),
        "population": float(first["population_bought_again_90d_share"]),
        "rows": [
            {
                "segment": _segment(data, row["segment_id"]),
                "n_customers": int(row["n_customers"]),
                "bought": float(row["bought_again_90d_share"]),
                "mean": float(row["mean_net_spend_next_90d"]),
                "median": float(row["median_net_spend_next_90d"]),
                "without": None
                if _is_missing(row["without_purchase_180d_share"])
                else float(row["without_purchase_180d_share"]),
            }
            for row in rows
        ],
    }


def _validation(data: ReportData) -> dict[str, Any] | None:
    """Return the share of next-90-day variance each segmentation explains, ours first."""
    if not data.validation:
        return None
    first = data.validation[0]
    return {
        "n_dates": int(first["n_dates"]),
        "first_date": str(first["first_date"]),
        "last_date": str(first["last_date"]),
        "space": data.segment_space,
        "rows": [
            {
                "name": str(row["segmentation"]),
                "label": SEGMENTATION_LABELS.get(
                    str(row["segmentation"]), str(row["segmentation"])
                ),
                "n_groups": int(row["n_groups"]),
                "spend": row["eta_squared_spend_90d"],
                "bought": row["eta_squared_bought_again_90d"],
            }
            for row in data.validation
        ],
    }


def _model(data: ReportData) -> dict[str, Any]:
    """Return the chosen candidate, the BIC chart, the rejected and all candidates."""
    chosen = [row for row in data.selection if row["is_chosen"]]
    rejected = [row for row in data.selection if not _is_missing(row["rejected_reason"])]
    half = math.ceil(len(rejected) / 2) if len(rejected) > 5 else len(rejected)
    drawn = [row for row in data.selection if not _is_missing(row["bic"])]
    chart = None
    if drawn:
        chart = bic_svg(
            [
                {
                    "k": int(row["k"]),
                    "bic": float(row["bic"]),
                    "covariance_type": str(row["covariance_type"]),
                    "rejected": not _is_missing(row["rejected_reason"]),
                    "is_chosen": bool(row["is_chosen"]),
                }
                for row in drawn
            ],
            COVARIANCE_STYLES,
            format_axis_number,
        )
    covariance_types = sorted({str(row["covariance_type"]) for row in drawn})
    return {
        "space": data.segment_space,
        "chart": None if chart is None else Markup(chart),
        "covariance_legend": [
            {
                "name": covariance,
                "colour": COVARIANCE_STYLES[index % len(COVARIANCE_STYLES)][0],
                "dash": COVARIANCE_STYLES[index % len(COVARIANCE_STYLES)][1],
            }
            for index, covariance in enumerate(covariance_types)
        ],
        "chosen": {
            "k": int(chosen[0]["k"]),
            "covariance_type": str(chosen[0]["covariance_type"]),
            "bic": float(chosen[0]["bic"]),
            "bic_rounded": round(float(chosen[0]["bic"])),
        }
        if chosen
        else None,
        "n_eligible": len(data.selection) - len(rejected),
        "n_candidates": len(data.selection),
        "rejected_chunks": [
            [
                {
                    "covariance_type": str(row["covariance_type"]),
                    "k": int(row["k"]),
                    "reason": str(row["rejected_reason"]),
                }
                for row in chunk
            ]
            for chunk in (rejected[:half], rejected[half:])
            if chunk
        ],
        "candidates": [
            {
                "covariance_type": str(row["covariance_type"]),
                "k": int(row["k"]),
                "bic_rounded": round(float(row["bic"])),
                "smallest_share": float(row["smallest_share"]),
                "status": "chosen"
                if row["is_chosen"]
                else str(row["rejected_reason"] or "eligible"),
            }
            for row in data.selection
            if not _is_missing(row["bic"])
        ],
    }


def _lineage(data: ReportData) -> dict[str, Any]:
    """Return the lineage events of the report's model version and any newer unpublished model."""
    return {
        "model_version": data.model_version,
        "previous": sorted(
            {
                str(row["previous_model_version"])
                for row in data.lineage
                if not _is_missing(row["previous_model_version"])
            }
        ),
        "rows": [
            {
                "segment": _segment(data, row["segment_id"]),
                "event": str(row["event"]).replace("_", " "),
                "related": _segment(data, row["related_segment_id"]),
                "distance": "—"
                if _is_missing(row["distance"])
                else f"{float(row['distance']):.3f}",
            }
            for row in data.lineage
        ],
        "newer_versions": list(data.newer_versions),
    }


def _lifecycle(data: ReportData) -> dict[str, Any] | None:
    """Return the lifecycle thresholds, the stage mix and the last month's stage movement."""
    thresholds = data.lifecycle_thresholds
    if thresholds is None:
        return None
    source = str(thresholds["threshold_source"])
    if source == "derived":
        origin = (
            f"from {format_int(int(thresholds['n_repeat_gaps']))} gaps between repeat purchases "
            f"(median {float(thresholds['median_gap_days']):,.0f} days): active within the "
            f"{float(thresholds['active_gap_quantile']):.0%} quantile, lapsed beyond the "
            f"{float(thresholds['lapsed_gap_quantile']):.0%} quantile"
        )
    elif source == "var":
        origin = "set by the vars lifecycle_active_days / lifecycle_lapsed_days"
    else:
        origin = "defaults: too few repeat purchases to know the rhythm"
    shares = {str(row["lifecycle_stage"]): row for row in data.lifecycle_stages}
    moves = {
        (str(row["from_lifecycle_stage"]), str(row["to_lifecycle_stage"])): row
        for row in data.lifecycle_transitions
    }
    stages = [stage for stage in STAGE_ORDER if any(stage in pair for pair in moves)]
    matrix = None
    if moves:
        first = data.lifecycle_transitions[0]
        matrix = {
            "from_month": first["from_as_of_date"],
            "to_month": first["to_as_of_date"],
            "stages": [{"label": STAGE_LABELS[stage]} for stage in stages],
            "rows": [
                {
                    "label": STAGE_LABELS[origin_stage],
                    "rates": [
                        float(moves[(origin_stage, stage)]["transition_rate"])
                        if (origin_stage, stage) in moves
                        else None
                        for stage in stages
                    ],
                }
                for origin_stage in stages
                if any(pair[0] == origin_stage for pair in moves)
            ],
        }
    return {
        "origin": origin,
        "active": int(thresholds["active_days"]),
        "lapsed": int(thresholds["lapsed_days"]),
        "stages": [
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "n_customers": int(shares[stage]["n_customers"]),
                "share": float(shares[stage]["share"]),
            }
            for stage in STAGE_ORDER
            if stage in shares
        ],
        "matrix": matrix,
    }


# ---------------------------------------------------------------- the charts


SEGMENTATION_LABELS = {
    "segments": "These segments",
    "kmeans_log_rfm": "k-means on log recency, frequency, spend",
    "rfm_quintile_map": "RFM quintile map",
}


def _money(value: Any) -> str:
    """Format an amount with thousands separators and no decimals from 100 up."""
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:,.2f}"


STAGE_ORDER = ("new", "reactivated", "active", "at_risk", "lapsed")
STAGE_LABELS = {
    "new": "New",
    "reactivated": "Reactivated",
    "active": "Active",
    "at_risk": "At risk",
    "lapsed": "Lapsed",
}


# ---------------------------------------------------------------- the page


def _eta(value: Any) -> str:
    """Format an eta squared with three decimals, n/a when missing."""
    return "n/a" if _is_missing(value) else f"{float(value):.3f}"


def _environment() -> Environment:
    """Return the Jinja2 environment of the report's templates, escaping every value."""
    environment = Environment(
        loader=PackageLoader("customer_segments", "templates/report"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        {
            "format_int": format_int,
            "format_percent": format_percent,
            "format_lift": format_lift,
            "format_month": format_month,
            "data_value": _data_value,
            "segment_colour": segment_colour,
            "text_colour": _text_colour,
            "coordinate": _f,
            "money": _money,
            "eta": _eta,
        }
    )
    return environment


def render_report(data: ReportData) -> str:
    """Render the whole HTML page for the report data."""
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            header=_header(data),
            sizes=_sizes(data),
            lifecycle=_lifecycle(data),
            outcomes=_outcomes(data),
            validation=_validation(data),
            rules=_rules(data),
            heatmap=_heatmap(data),
            transitions=_transitions(data),
            lineage=_lineage(data),
            history=_history(data),
            model=_model(data),
            side_by_side=len(data.profiles) <= 5,
        )
    )


def render_report_file(database: Path, out: Path) -> Path:
    """Render the report of a readers' DuckDB file to an HTML file."""
    page = render_report(load_report_data(database))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8", newline="\n")
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command-line arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_segments.report",
        description="Render the self-contained HTML segment report from the readers' DuckDB file.",
    )
    parser.add_argument(
        "--database", type=Path, required=True, help="the readers' file (<build>_published.duckdb)"
    )
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Render the report from the command line."""
    args = parse_args(argv)
    try:
        path = render_report_file(args.database, args.out)
    except (ReportError, duckdb.Error) as exc:
        print(f"customer_segments.report: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

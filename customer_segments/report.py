"""A self-contained HTML segment report rendered from the readers' DuckDB file.

The page has inline CSS and hand-drawn inline SVG: no JavaScript, no external resources. Every
number on it is read from the published tables; the numbers a test compares carry ``data-value``
attributes (the exact value) or stable ids next to the formatted text.

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
from html import escape
from pathlib import Path
from typing import Any

import duckdb

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
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", '
    '"DejaVu Sans", sans-serif'
)
CHAR_WIDTH = 0.6  # approximate advance of a sans-serif character, in font sizes


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


def _nice_step(span: float, target_ticks: int = 5) -> float:
    """Pick a round tick step (1, 2, 2.5 or 5 × a power of ten) for an axis span."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _f(value: float) -> str:
    """Format a compact SVG coordinate."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, font_size: float) -> float:
    """Approximate rendered width of text in pixels."""
    return len(text) * font_size * CHAR_WIDTH


def _swatch(segment_id: int) -> str:
    """Draw a small coloured square for a segment."""
    return f'<span class="swatch" style="background:{segment_colour(segment_id)}"></span>'


def _segment_label(data: ReportData, segment_id: Any) -> str:
    """Render a segment's swatch and escaped name."""
    if _is_missing(segment_id):
        return "—"
    segment_id = int(segment_id)
    name = data.segment_names.get(segment_id, f"Segment {segment_id}")
    return f'{_swatch(segment_id)}<span class="seg-name">{escape(name)}</span>'


# ---------------------------------------------------------------- sections


def _header(data: ReportData) -> str:
    """Render the title, as-of date, model version and number of customers."""
    as_of = data.as_of_date.isoformat() if data.as_of_date else "n/a"
    n_segments = len(data.profiles)
    return f"""
<header class="page-header">
  <h1>Customer segments</h1>
  <dl class="facts">
    <div><dt>As of</dt><dd id="as-of-date" data-value="{escape(as_of)}">{escape(as_of)}</dd></div>
    <div><dt>Customers</dt><dd><span id="customers-total" data-value="{data.n_customers}">\
{format_int(data.n_customers)}</span></dd></div>
    <div><dt>Segments</dt><dd id="segments-total" data-value="{n_segments}">{n_segments}</dd></div>
    <div><dt>Model version</dt><dd><code id="model-version">{escape(data.model_version)}</code>\
</dd></div>
  </dl>
</header>"""


def _sizes_section(data: ReportData) -> str:
    """Render a horizontal bar per segment: name, customers, share and description."""
    rows = sorted(data.profiles, key=lambda row: (-int(row["n_customers"]), int(row["segment_id"])))
    largest = max((float(row["customer_share"]) for row in rows), default=0.0) or 1.0
    parts = []
    for row in rows:
        segment_id = int(row["segment_id"])
        share = float(row["customer_share"])
        n_customers = int(row["n_customers"])
        width = 1000 * share / largest
        parts.append(
            f"""
  <div class="size-row" data-segment-id="{segment_id}" data-n-customers="{n_customers}">
    <div class="size-name">{_segment_label(data, segment_id)}</div>
    <svg class="size-bar" viewBox="0 0 1000 18" preserveAspectRatio="none" aria-hidden="true">\
<rect x="0" y="0" width="{_f(width)}" height="18" rx="3" fill="{segment_colour(segment_id)}"/>\
</svg>
    <div class="size-n"><span class="n-customers" data-value="{n_customers}">\
{format_int(n_customers)}</span> customers</div>
    <div class="size-share"><span class="customer-share" data-value="{_data_value(share)}">\
{format_percent(share)}</span></div>
    <p class="size-desc">{escape(str(row["segment_description"] or ""))}</p>
  </div>"""
        )
    return f"""
<section id="segment-sizes">
  <h2>Segment sizes</h2>
  <p class="note">Bars are scaled to the largest segment; share is of all
    {format_int(data.n_customers)} segmented customers.</p>
  {"".join(parts)}
</section>"""


def _heatmap_section(data: ReportData) -> str:
    """Render each feature's lift per segment, shaded on a diverging log scale."""
    segments = [int(row["segment_id"]) for row in data.profiles]
    head = "".join(
        f'<th scope="col" class="seg-col">{_segment_label(data, segment_id)}</th>'
        for segment_id in segments
    )
    body = []
    for column in data.lift_columns:
        # A negative lift means the feature is signed (segment averages on both sides of zero):
        # a ratio to its average is not on the scale, so the whole row is left uncoloured.
        signed = any(
            not _is_missing(row[column]) and float(row[column]) < 0 for row in data.profiles
        )
        cells = []
        for row in data.profiles:
            lift = row[column]
            colour = None if signed and not _is_missing(lift) else lift_colour(lift)
            attributes = (
                f'data-segment-id="{int(row["segment_id"])}" data-feature="{escape(column)}"'
            )
            if not _is_missing(lift):
                attributes += f' data-value="{_data_value(float(lift))}"'
            if colour is None:
                cells.append(f'<td class="lift signed" {attributes}>{format_lift(lift)}</td>')
            else:
                cells.append(
                    f'<td class="lift{" null" if _is_missing(lift) else ""}" {attributes} '
                    f'style="background:{colour};color:{_text_colour(colour)}">'
                    f"{format_lift(lift)}</td>"
                )
        body.append(
            f'<tr><th scope="row" title="{escape(column)}">{escape(feature_label(column))}</th>'
            f"{''.join(cells)}</tr>"
        )
    legend_steps = [(-3, "⅛×"), (-2, "¼×"), (-1, "½×"), (0, "1×"), (1, "2×"), (2, "4×"), (3, "8×")]
    legend = "".join(
        f'<span class="legend-step" style="background:{lift_colour(2.0**power)};'
        f'color:{_text_colour(lift_colour(2.0**power) or NULL_GREY)}">{label}</span>'
        for power, label in legend_steps
    )
    return f"""
<section id="lift-heatmap">
  <h2>What sets each segment apart</h2>
  <p class="note">Lift = segment average ÷ overall average: red above, blue below
    (log scale).</p>
  <table class="heatmap">
    <thead><tr><th scope="col" class="feature-col">Feature</th>{head}</tr></thead>
    <tbody>{"".join(body)}</tbody>
  </table>
  <div class="legend">{legend}
    <span class="legend-group"><span class="legend-step null">n/a</span>
      <span class="legend-label">no data</span></span>
    <span class="legend-group"><span class="legend-step signed">−×</span>
      <span class="legend-label">signed feature: a ratio to its average is not meaningful</span>
    </span>
  </div>
</section>"""


def _rules_section(data: ReportData) -> str:
    """Render the rules table and the tree fidelity."""
    rows = []
    for rule in data.rules:
        rule_id = str(rule["rule_id"])
        support = float(rule["support"])
        precision = float(rule["rule_precision"])
        rows.append(
            f'<tr data-rule-id="{escape(rule_id)}" data-segment-id="{int(rule["segment_id"])}">'
            f'<td class="rule-id"><code>{escape(rule_id)}</code></td>'
            f'<td class="rule-segment">{_swatch(int(rule["segment_id"]))}'
            f'<span class="seg-name">{escape(str(rule["segment_name"]))}</span></td>'
            f'<td class="rule-text">{escape(str(rule["rule_text"]))}</td>'
            f'<td class="num"><span class="rule-support" data-value="{_data_value(support)}">'
            f"{format_percent(support)}</span></td>"
            f'<td class="num"><span class="rule-precision" data-value="{_data_value(precision)}">'
            f"{format_percent(precision)}</span></td></tr>"
        )
    fidelities = sorted({float(rule["tree_fidelity"]) for rule in data.rules})
    fidelity = (
        f'<span id="tree-fidelity" data-value="{_data_value(fidelities[0])}">'
        f"{format_percent(fidelities[0])}</span>"
        if len(fidelities) == 1
        else " / ".join(format_percent(value) for value in fidelities) or "n/a"
    )
    return f"""
<section id="segment-rules">
  <h2>Rules that explain the segments</h2>
  <p class="note">Each customer matches exactly one rule. Support: share of the fit sample the
    rule covers; precision: share of those customers in the rule's segment. Tree fidelity: the
    rules predict the model's segment for <strong>{fidelity}</strong> of the fit sample.</p>
  <table class="rules">
    <thead><tr><th scope="col">Rule</th><th scope="col">Segment</th>
      <th scope="col">Condition</th><th scope="col" class="num">Support</th>
      <th scope="col" class="num">Precision</th></tr></thead>
    <tbody>{"".join(rows)}</tbody>
  </table>
</section>"""


def _spread_labels(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label centres apart by at least gap, keeping them within [low, high]."""
    order = sorted(range(len(positions)), key=lambda index: positions[index])
    placed = [positions[index] for index in order]
    for index in range(1, len(placed)):
        placed[index] = max(placed[index], placed[index - 1] + gap)
    if placed and placed[-1] > high:
        placed[-1] = high
        for index in range(len(placed) - 2, -1, -1):
            placed[index] = min(placed[index], placed[index + 1] - gap)
    if placed and placed[0] < low:
        placed[0] = low
        for index in range(1, len(placed)):
            placed[index] = max(placed[index], placed[index - 1] + gap)
    result = [0.0] * len(positions)
    for rank, index in enumerate(order):
        result[index] = placed[rank]
    return result


def _history_section(data: ReportData) -> str:
    """Render the segment share per history month as a stacked area chart."""
    months = sorted({row["as_of_date"] for row in data.history})
    segments = sorted({int(row["segment_id"]) for row in data.history})
    if not months:
        return '<section id="segment-history"><h2>Share over time</h2><p>No history.</p></section>'
    shares = {
        (row["as_of_date"], int(row["segment_id"])): float(row["share"]) for row in data.history
    }
    width, height = 1110, 260
    left, right, top, bottom = 52, 230, 12, 34
    plot_width, plot_height = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        """Return the x coordinate of a month."""
        if len(months) == 1:
            return left + plot_width / 2
        return left + plot_width * index / (len(months) - 1)

    def y_of(share: float) -> float:
        """Return the y coordinate of a cumulative share."""
        return top + plot_height * (1 - share)

    parts = []
    cumulative = [0.0] * len(months)
    last_bands = []
    for segment_id in segments:
        lower = list(cumulative)
        upper = [lower[i] + shares.get((month, segment_id), 0.0) for i, month in enumerate(months)]
        cumulative = upper
        points = [(x_of(i), y_of(value)) for i, value in enumerate(upper)]
        points += [(x_of(i), y_of(lower[i])) for i in range(len(months) - 1, -1, -1)]
        if len(months) == 1:
            points = [
                (left, y_of(upper[0])),
                (left + plot_width, y_of(upper[0])),
                (left + plot_width, y_of(lower[0])),
                (left, y_of(lower[0])),
            ]
        path = "M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in points) + " Z"
        name = data.segment_names.get(segment_id, f"Segment {segment_id}")
        parts.append(
            f'<path d="{path}" fill="{segment_colour(segment_id)}" stroke="#ffffff" '
            f'stroke-width="1"><title>{escape(name)}</title></path>'
        )
        last_bands.append((segment_id, lower[-1], upper[-1]))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left - 5}" y1="{_f(y)}" x2="{left + plot_width}" y2="{_f(y)}" '
            f'class="grid-on-area"/>'
            f'<text x="{left - 8}" y="{_f(y + 4)}" text-anchor="end" class="tick">'
            f"{tick * 100:.0f}%</text>"
        )
    spacing = plot_width / max(len(months) - 1, 1)
    step = max(1, math.ceil((_text_width("Mmm 0000", 11) + 10) / spacing))
    for index, month in enumerate(months):
        x = x_of(index)
        parts.append(
            f'<line x1="{_f(x)}" y1="{top + plot_height}" x2="{_f(x)}" '
            f'y2="{top + plot_height + 5}" class="axis"/>'
        )
        from_end = len(months) - 1 - index
        if from_end % step == 0:
            parts.append(
                f'<text x="{_f(x)}" y="{top + plot_height + 20}" text-anchor="middle" '
                f'class="tick">{escape(format_month(month))}</text>'
            )
    centres = [y_of((low + high) / 2) for _, low, high in last_bands]
    label_ys = _spread_labels(centres, 17, top + 6, top + plot_height - 6)
    end_x = left + plot_width
    last_month = months[-1]
    for (segment_id, low, high), centre, label_y in zip(last_bands, centres, label_ys, strict=True):
        share = high - low
        name = data.segment_names.get(segment_id, f"Segment {segment_id}")
        parts.append(
            f'<polyline points="{_f(end_x + 2)},{_f(centre)} {_f(end_x + 12)},{_f(label_y)} '
            f'{_f(end_x + 18)},{_f(label_y)}" class="leader"/>'
            f'<rect x="{_f(end_x + 21)}" y="{_f(label_y - 5)}" width="10" height="10" rx="2" '
            f'fill="{segment_colour(segment_id)}"/>'
            f'<text x="{_f(end_x + 36)}" y="{_f(label_y + 4)}" class="end-label">'
            f"{escape(name)} "
            f'<tspan class="end-share" data-segment-id="{segment_id}" '
            f'data-as-of-date="{last_month.isoformat()}" data-value="{_data_value(share)}">'
            f"{format_percent(share)}</tspan></text>"
        )
    return f"""
<section id="segment-history">
  <h2>Share over time</h2>
  <p class="note">Share of customers in each segment at every month-end from
    {escape(format_month(months[0]))} to {escape(format_month(months[-1]))}, all scored with
    the current model.</p>
  <svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}"
    role="img" aria-label="Segment share per month">{"".join(parts)}</svg>
</section>"""


def _transitions_section(data: ReportData) -> str:
    """Render the from × to matrix of the last month pair, rate as % and shaded."""
    if not data.transitions:
        return '<section id="transitions"><h2>Movement</h2><p>No transitions.</p></section>'
    first = data.transitions[0]
    from_ids = sorted({int(row["from_segment_id"]) for row in data.transitions})
    to_ids = sorted({int(row["to_segment_id"]) for row in data.transitions})
    cells = {
        (int(row["from_segment_id"]), int(row["to_segment_id"])): row for row in data.transitions
    }
    head = "".join(
        f'<th scope="col" class="seg-col">{_segment_label(data, segment_id)}</th>'
        for segment_id in to_ids
    )
    body = []
    for from_id in from_ids:
        row_cells = []
        for to_id in to_ids:
            cell = cells.get((from_id, to_id))
            if cell is None:
                row_cells.append('<td class="rate empty">·</td>')
                continue
            rate = float(cell["transition_rate"])
            colour = _mix("#f4f6f8", "#08306b", math.sqrt(max(0.0, min(1.0, rate))))
            diagonal = " same" if from_id == to_id else ""
            style = f"background:{colour};color:{_text_colour(colour)}"
            row_cells.append(
                f'<td class="rate{diagonal}" style="{style}"'
                f' data-from-segment-id="{from_id}" data-to-segment-id="{to_id}"'
                f' data-value="{_data_value(rate)}">{format_percent(rate)}'
                f'<span class="rate-n">{format_int(int(cell["n_customers"]))}</span></td>'
            )
        body.append(
            f'<tr><th scope="row">{_segment_label(data, from_id)}</th>{"".join(row_cells)}</tr>'
        )
    return f"""
<section id="transitions">
  <h2>Movement between segments</h2>
  <p class="note">From <strong>{escape(first["from_as_of_date"].isoformat())}</strong> (rows) to
    <strong>{escape(first["to_as_of_date"].isoformat())}</strong> (columns): share of each row's
    customers, and how many; darker is larger.</p>
  <table class="matrix">
    <thead><tr><th scope="col" class="corner">from ↓ · to →</th>{head}</tr></thead>
    <tbody>{"".join(body)}</tbody>
  </table>
</section>"""


def _place_label(
    label: str,
    anchor_point: tuple[float, float],
    obstacles: list[tuple[float, float]],
    bounds: tuple[float, float, float, float],
) -> tuple[float, float, str]:
    """Pick a spot for a 12px label near a point that covers no line or marker."""
    x, y = anchor_point
    width = _text_width(label, 12) + 6
    options = [
        (x + 14, y + 26, "start"),
        (x - 14, y + 26, "end"),
        (x + 14, y - 14, "start"),
        (x - 14, y - 14, "end"),
        (x, y + 30, "middle"),
        (x, y - 18, "middle"),
    ]
    for label_x, label_y, anchor in options:
        x0 = {"start": label_x, "end": label_x - width, "middle": label_x - width / 2}[anchor]
        box = (x0 - 3, label_y - 14, x0 + width + 3, label_y + 5)
        inside = bounds[0] <= box[0] and box[2] <= bounds[2] and bounds[1] <= box[1]
        inside = inside and box[3] <= bounds[3]
        clear = not any(
            box[0] - 6 <= px <= box[2] + 6 and box[1] - 6 <= py <= box[3] + 6
            for px, py in obstacles
        )
        if inside and clear:
            return label_x, label_y, anchor
    return options[0]


def _bic_chart(data: ReportData) -> str:
    """Draw BIC over k per covariance type; the chosen point ringed, rejected ones hollow."""
    rows = [row for row in data.selection if not _is_missing(row["bic"])]
    if not rows:
        return "<p>No model selection recorded for this model version.</p>"
    width, height = 500, 272
    left, right, top, bottom = 66, 18, 18, 46
    plot_width, plot_height = width - left - right, height - top - bottom
    ks = sorted({int(row["k"]) for row in rows})
    bics = [float(row["bic"]) for row in rows]
    step = _nice_step(max(bics) - min(bics), 6)
    low, high = math.floor(min(bics) / step) * step, math.ceil(max(bics) / step) * step
    if high == low:
        low, high = low - step, high + step

    def x_of(k: int) -> float:
        """Return the x coordinate of k."""
        if len(ks) == 1:
            return left + plot_width / 2
        return left + plot_width * (k - ks[0]) / (ks[-1] - ks[0])

    def y_of(bic: float) -> float:
        """Return the y coordinate of a BIC value."""
        return top + plot_height * (high - bic) / (high - low)

    parts = []
    tick = low
    while tick <= high + step / 2:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{left + plot_width}" y2="{_f(y)}" class="grid"/>'
            f'<text x="{left - 8}" y="{_f(y + 4)}" text-anchor="end" class="tick">'
            f"{escape(format_axis_number(tick, step))}</text>"
        )
        tick += step
    for k in ks:
        x = x_of(k)
        parts.append(
            f'<line x1="{_f(x)}" y1="{top + plot_height}" x2="{_f(x)}" '
            f'y2="{top + plot_height + 5}" class="axis"/>'
            f'<text x="{_f(x)}" y="{top + plot_height + 19}" text-anchor="middle" '
            f'class="tick">{k}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}" class="axis"/>'
        f'<text x="{left + plot_width / 2}" y="{height - 6}" text-anchor="middle" '
        'class="axis-label">'
        "k (number of segments)</text>"
        f'<text x="14" y="{top + plot_height / 2}" text-anchor="middle" class="axis-label" '
        f'transform="rotate(-90 14 {top + plot_height / 2})">BIC (lower is better)</text>'
    )
    covariance_types = sorted({str(row["covariance_type"]) for row in rows})
    obstacles = []
    for covariance in covariance_types:
        series = sorted(
            (row for row in rows if str(row["covariance_type"]) == covariance),
            key=lambda row: int(row["k"]),
        )
        coordinates = [(x_of(int(row["k"])), y_of(float(row["bic"]))) for row in series]
        obstacles += coordinates
        for (x1, y1), (x2, y2) in zip(coordinates, coordinates[1:]):
            steps = max(1, int(math.hypot(x2 - x1, y2 - y1) / 3))
            obstacles += [
                (x1 + (x2 - x1) * i / steps, y1 + (y2 - y1) * i / steps) for i in range(steps)
            ]
    legend = []
    chosen_parts = []
    for index, covariance in enumerate(covariance_types):
        colour, dash = COVARIANCE_STYLES[index % len(COVARIANCE_STYLES)]
        series = sorted(
            (row for row in rows if str(row["covariance_type"]) == covariance),
            key=lambda row: int(row["k"]),
        )
        points = " ".join(
            f"{_f(x_of(int(row['k'])))},{_f(y_of(float(row['bic'])))}" for row in series
        )
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
            f"{dash_attribute}/>"
        )
        for row in series:
            x, y = x_of(int(row["k"])), y_of(float(row["bic"]))
            rejected = not _is_missing(row["rejected_reason"])
            fill = "#ffffff" if rejected else colour
            status = f"rejected: {row['rejected_reason']}" if rejected else "eligible"
            title = (
                f"k={int(row['k'])}, {covariance}: BIC {format_int(round(float(row['bic'])))}"
                f" ({status})"
            )
            parts.append(
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4.5" fill="{fill}" stroke="{colour}" '
                f'stroke-width="2" class="candidate{" rejected" if rejected else ""}">'
                f"<title>{escape(title)}</title></circle>"
            )
            if row["is_chosen"]:
                label = f"chosen: k = {int(row['k'])}"
                label_x, label_y, anchor = _place_label(
                    label, (x, y), obstacles, (left, top, left + plot_width, top + plot_height)
                )
                chosen_parts.append(
                    f'<circle cx="{_f(x)}" cy="{_f(y)}" r="9.5" fill="none" stroke="#111111" '
                    f'stroke-width="2" class="chosen-marker"/>'
                    f'<text x="{_f(label_x)}" y="{_f(label_y)}" text-anchor="{anchor}" '
                    f'class="chosen-label">{escape(label)}</text>'
                )
        line = f'stroke="{colour}" stroke-width="2"' + dash_attribute
        legend.append(
            f'<span class="legend-item"><svg width="30" height="12" aria-hidden="true">'
            f'<line x1="1" y1="6" x2="29" y2="6" {line}/></svg>{escape(covariance)}</span>'
        )
    legend.append(
        '<span class="legend-item"><svg width="14" height="14" aria-hidden="true">'
        '<circle cx="7" cy="7" r="4.5" fill="#37474f" stroke="#37474f" stroke-width="2"/></svg>'
        "eligible</span>"
        '<span class="legend-item"><svg width="14" height="14" aria-hidden="true">'
        '<circle cx="7" cy="7" r="4.5" fill="#ffffff" stroke="#37474f" stroke-width="2"/></svg>'
        "rejected</span>"
        '<span class="legend-item"><svg width="24" height="24" aria-hidden="true">'
        '<circle cx="12" cy="12" r="4.5" fill="#37474f" stroke="#37474f" stroke-width="2"/>'
        '<circle cx="12" cy="12" r="9.5" fill="none" stroke="#111111" stroke-width="2"/></svg>'
        "chosen</span>"
    )
    return (
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="BIC per number of segments">{"".join(parts + chosen_parts)}</svg>'
        f'<div class="legend">{"".join(legend)}</div>'
    )


SEGMENTATION_LABELS = {
    "segments": "These segments",
    "kmeans_log_rfm": "k-means on log recency, frequency, spend",
    "rfm_quintile_map": "RFM quintile map",
}


def _money(value: Any) -> str:
    """Format an amount with thousands separators and no decimals from 100 up."""
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:,.2f}"


def _outcomes_section(data: ReportData) -> str:
    """Render what each segment's customers did in the 90 days after the latest observed date."""
    if not data.outcomes:
        return (
            '<section id="segment-outcomes"><h2>What happens next</h2><p>No past as-of date has '
            "its next 90 days observed yet (history_months is too short).</p></section>"
        )
    first = data.outcomes[0]
    as_of = first["as_of_date"]
    rows = []
    for row in sorted(data.outcomes, key=lambda r: -float(r["bought_again_90d_share"])):
        segment_id = int(row["segment_id"])
        bought = float(row["bought_again_90d_share"])
        mean = float(row["mean_net_spend_next_90d"])
        median = float(row["median_net_spend_next_90d"])
        without = row["without_purchase_180d_share"]
        without_text = "n/a" if _is_missing(without) else format_percent(float(without))
        rows.append(
            f'<tr data-segment-id="{segment_id}"><td>{_segment_label(data, segment_id)}</td>'
            f'<td class="num">{format_int(int(row["n_customers"]))}</td>'
            f'<td class="num"><span class="outcome-bought" data-value="{_data_value(bought)}">'
            f"{format_percent(bought)}</span></td>"
            f'<td class="num"><span class="outcome-mean-spend" data-value="{_data_value(mean)}">'
            f"{_money(mean)}</span></td>"
            f'<td class="num">{_money(median)}</td><td class="num">{without_text}</td></tr>'
        )
    population = float(first["population_bought_again_90d_share"])
    return f"""
<section id="segment-outcomes">
  <h2>What happens next</h2>
  <p class="note">The customers in each segment on <strong>{escape(str(as_of))}</strong> (every
    month scored with today's model) and what they did in the 90 days after: the share who bought
    again (<span id="outcome-population" data-value="{_data_value(population)}">{
        format_percent(population)
    }</span> of everyone), their mean and median net spend, and the share still without a
    purchase after 180 days.</p>
  <table class="outcomes">
    <thead><tr><th scope="col">Segment</th><th scope="col" class="num">Customers then</th>
      <th scope="col" class="num">Bought again</th><th scope="col" class="num">Mean spend</th>
      <th scope="col" class="num">Median spend</th>
      <th scope="col" class="num">No purchase in 180 days</th></tr></thead>
    <tbody>{"".join(rows)}</tbody>
  </table>
</section>"""


def _validation_section(data: ReportData) -> str:
    """Render the share of next-90-day variance each segmentation explains, ours first."""
    if not data.validation:
        return (
            '<section id="segment-validation"><h2>Do the segments predict?</h2><p>No validation '
            "dates: history_months must cover at least 8 months with observed next 90 days."
            "</p></section>"
        )
    first = data.validation[0]
    rows = []
    for row in data.validation:
        name = str(row["segmentation"])
        spend = row["eta_squared_spend_90d"]
        bought = row["eta_squared_bought_again_90d"]
        rows.append(
            f'<tr data-segmentation="{escape(name)}"><td>'
            f"{escape(SEGMENTATION_LABELS.get(name, name))}</td>"
            f'<td class="num">{int(row["n_groups"])}</td>'
            f'<td class="num"><span class="eta-spend" data-value="{_data_value(spend)}">'
            f"{'n/a' if _is_missing(spend) else f'{float(spend):.3f}'}</span></td>"
            f'<td class="num"><span class="eta-bought" data-value="{_data_value(bought)}">'
            f"{'n/a' if _is_missing(bought) else f'{float(bought):.3f}'}</span></td></tr>"
        )
    return f"""
<section id="segment-validation">
  <h2>Do the segments predict?</h2>
  <p class="note">Share of the variance of what customers did in the next 90 days that the groups
    explain (eta squared, 0 to 1; higher is better), mean over {int(first["n_dates"])} validation
    dates ({escape(str(first["first_date"]))} to {escape(str(first["last_date"]))}), which the
    model did not learn from. The model's segments live in the
    <strong id="segment-space">{escape(data.segment_space)}</strong> space.</p>
  <table class="validation">
    <thead><tr><th scope="col">Segmentation</th><th scope="col" class="num">Groups</th>
      <th scope="col" class="num">Net spend</th><th scope="col" class="num">Bought again</th>
      </tr></thead>
    <tbody>{"".join(rows)}</tbody>
  </table>
</section>"""


def _model_section(data: ReportData) -> str:
    """Render the chosen k and covariance, the BIC curve and the candidates."""
    chosen = [row for row in data.selection if row["is_chosen"]]
    if chosen:
        best = chosen[0]
        summary = (
            f'<span id="chosen-k" data-value="{int(best["k"])}">{int(best["k"])}</span> segments, '
            f'<span id="chosen-covariance">{escape(str(best["covariance_type"]))}</span> covariance'
            f' (BIC <span id="chosen-bic" data-value="{_data_value(float(best["bic"]))}">'
            f"{format_int(round(float(best['bic'])))}</span>)"
        )
    else:
        summary = "no candidate is marked as chosen"
    rejected = [row for row in data.selection if not _is_missing(row["rejected_reason"])]
    half = math.ceil(len(rejected) / 2) if len(rejected) > 5 else len(rejected)
    rejected_tables = []
    for chunk in (rejected[:half], rejected[half:]):
        if not chunk:
            continue
        rejected_rows = "".join(
            f'<tr><td class="candidate-name">{escape(str(row["covariance_type"]))}, k = '
            f"{int(row['k'])}</td><td>{escape(str(row['rejected_reason']))}</td></tr>"
            for row in chunk
        )
        rejected_tables.append(
            f"""<table class="candidates">
        <thead><tr><th scope="col">Candidate</th><th scope="col">Why it was rejected</th></tr>
        </thead><tbody>{rejected_rows}</tbody></table>"""
        )
    rejected_table = (
        f'<div class="split-2">{"".join(rejected_tables)}</div>'
        if rejected
        else "<p>No candidate was rejected.</p>"
    )
    candidates = "".join(
        f'<tr><td>{escape(str(row["covariance_type"]))}</td><td class="num">{int(row["k"])}</td>'
        f'<td class="num">{format_int(round(float(row["bic"])))}</td>'
        f'<td class="num">{format_percent(float(row["smallest_share"]))}</td>'
        f"<td>{'chosen' if row['is_chosen'] else escape(str(row['rejected_reason'] or 'eligible'))}"
        "</td></tr>"
        for row in data.selection
        if not _is_missing(row["bic"])
    )
    n_eligible = len(data.selection) - len(rejected)
    return f"""
<section id="model-quality">
  <h2>Model quality</h2>
  <div class="model-grid">
    <div>{_bic_chart(data)}</div>
    <div>
      <p class="callout first">Chosen in the {escape(data.segment_space)} space:
        <strong>{summary}</strong>, the fewest segments whose BIC is within the tolerance of the
        lowest among the {n_eligible} eligible of {len(data.selection)} candidates
        (k × covariance type).</p>
      <h3>Rejected candidates</h3>
      {rejected_table}
      <details>
        <summary>All {len(data.selection)} candidates with BIC and smallest segment</summary>
        <table class="candidates">
          <thead><tr><th scope="col">Covariance</th><th scope="col" class="num">k</th>
            <th scope="col" class="num">BIC</th><th scope="col" class="num">Smallest segment</th>
            <th scope="col">Status</th></tr></thead>
          <tbody>{candidates}</tbody>
        </table>
      </details>
    </div>
  </div>
</section>"""


def _format_distance(distance: Any) -> str:
    """Format a lineage distance with three decimals, or a dash when missing."""
    return "—" if _is_missing(distance) else f"{float(distance):.3f}"


def _lineage_section(data: ReportData) -> str:
    """Render the lineage events of the report's model version."""
    rows = "".join(
        f'<tr data-segment-id="{int(row["segment_id"])}">'
        f"<td>{_segment_label(data, row['segment_id'])}</td>"
        f"<td>{escape(str(row['event']).replace('_', ' '))}</td>"
        f"<td>{_segment_label(data, row['related_segment_id'])}</td>"
        f'<td class="num">{_format_distance(row["distance"])}</td>'
        "</tr>"
        for row in data.lineage
    )
    previous = sorted(
        {
            str(row["previous_model_version"])
            for row in data.lineage
            if not _is_missing(row["previous_model_version"])
        }
    )
    origin = (
        "refit of <code>"
        + "</code>, <code>".join(escape(version) for version in previous)
        + "</code>"
        if previous
        else "first registered model (no previous version)"
    )
    table = (
        f"""<table class="lineage">
    <thead><tr><th scope="col">Segment</th><th scope="col">Event</th>
      <th scope="col">Related segment</th><th scope="col" class="num">Distance</th></tr></thead>
    <tbody>{rows}</tbody>
  </table>"""
        if rows
        else "<p>No lineage events recorded for this model version.</p>"
    )
    newer = (
        '<p class="warning">A newer registered model exists but is not published: <code>'
        + "</code>, <code>".join(escape(version) for version in data.newer_versions)
        + "</code>.</p>"
        if data.newer_versions
        else ""
    )
    return f"""
<section id="model-lineage">
  <h2>Model lineage</h2>
  <p class="note"><code>{escape(data.model_version)}</code>: {origin}. Distance: between
    matched segment centres (standardized).</p>
  {table}
  {newer}
</section>"""


STYLE = f"""
*, *::before, *::after {{ box-sizing: border-box; }}
body {{ margin: 0; background: #f3f5f7; color: #1d2329; font-family: {FONT_STACK};
  font-size: 14px; line-height: 1.45; }}
main {{ max-width: 1200px; margin: 0 auto; padding: 18px 24px 24px; }}
h1 {{ font-size: 26px; margin: 0 0 8px; }}
h2 {{ font-size: 18px; margin: 0 0 4px; }}
section {{ background: #ffffff; border: 1px solid #dde2e7; border-radius: 8px;
  padding: 14px 20px 16px; margin-top: 14px; }}
.grid-2 {{ display: grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }}
.grid-2 > section, .stack > section {{ margin-top: 14px; min-width: 0; }}
.stack {{ min-width: 0; }}
.model-grid {{ display: grid; grid-template-columns: 500px 1fr; gap: 24px; align-items: start;
  margin-top: 8px; }}
h3 {{ font-size: 14px; margin: 14px 0 4px; }}
.callout.first {{ margin-top: 0; }}
.note {{ color: #5a6570; margin: 0 0 12px; font-size: 13px; }}
.callout {{ margin: 10px 0 0; }}
.warning {{ margin: 10px 0 0; color: #8a3b00; }}
code {{ font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  font-size: 12.5px; background: #eef1f4; padding: 1px 4px; border-radius: 3px; }}
.page-header {{ padding: 4px 0 0; }}
.facts {{ display: flex; flex-wrap: wrap; gap: 10px 36px; margin: 0; }}
.facts dt {{ color: #5a6570; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }}
.facts dd {{ margin: 0; font-size: 20px; font-weight: 600; }}
.facts dd code {{ font-size: 16px; }}
.swatch {{ display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 6px; vertical-align: -1px; flex: none; }}
.size-row {{ display: grid; grid-template-columns: 190px 1fr 150px 64px; column-gap: 14px;
  align-items: center; padding: 5px 0; border-top: 1px solid #eef1f4; }}
.size-row:first-of-type {{ border-top: none; }}
.size-name {{ font-weight: 600; }}
.size-bar {{ width: 100%; height: 18px; display: block; }}
.size-n {{ text-align: right; color: #3a444e; font-variant-numeric: tabular-nums; }}
.size-n span {{ font-weight: 600; color: #1d2329; }}
.size-share {{ text-align: right; font-weight: 700; font-size: 15px;
  font-variant-numeric: tabular-nums; }}
.size-desc {{ grid-column: 1 / -1; margin: 1px 0 0; color: #5a6570; font-size: 13px; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 6px 8px; text-align: left; vertical-align: top; }}
thead th {{ font-size: 12px; color: #5a6570; font-weight: 600; border-bottom: 1px solid #dde2e7;
  vertical-align: bottom; }}
tbody tr + tr > * {{ border-top: 1px solid #eef1f4; }}
.num {{ text-align: right; white-space: nowrap; }}
.heatmap {{ table-layout: fixed; }}
.heatmap .feature-col {{ width: 172px; padding-left: 0; }}
.heatmap tbody th {{ font-weight: 500; font-size: 12.5px; padding: 2px 6px 2px 0;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.heatmap .seg-col, .matrix .seg-col {{ text-align: center; font-size: 11.5px; font-weight: 500;
  line-height: 1.25; padding: 4px 1px; overflow-wrap: break-word; }}
.seg-col .swatch {{ display: block; margin: 0 auto 4px; }}
.heatmap tbody tr + tr > *, .matrix tbody tr + tr > * {{ border-top: 2px solid #ffffff; }}
.heatmap td.lift {{ text-align: center; padding: 2px 2px; font-size: 12.5px;
  border-left: 2px solid #ffffff; }}
.lift.null, .legend-step.null {{ background: {NULL_GREY}; color: #4a545e; }}
.lift.signed, .legend-step.signed {{ color: #1d2329; background: repeating-linear-gradient(
  135deg, #ffffff 0 4px, #c9ced4 4px 6px); }}
.legend {{ display: flex; flex-wrap: wrap; align-items: center; gap: 6px 4px; margin-top: 10px;
  font-size: 12px; color: #3a444e; }}
.legend-step {{ display: inline-block; min-width: 34px; text-align: center; padding: 2px 4px;
  border-radius: 2px; }}
.legend-label {{ margin: 0 10px 0 2px; }}
.legend-group {{ display: inline-flex; align-items: center; gap: 4px; }}
.legend-item {{ display: inline-flex; align-items: center; gap: 5px; margin-right: 14px; }}
.rules td.rule-id {{ white-space: nowrap; }}
.lineage td, .lineage th {{ padding: 4px 8px; }}
.rules td.rule-segment {{ white-space: nowrap; }}
.rules .rule-text {{ color: #2a333c; }}
.chart {{ display: block; max-width: 100%; height: auto; font-family: {FONT_STACK}; }}
.chart .tick {{ font-size: 12px; fill: #5a6570; }}
.chart .axis-label {{ font-size: 12px; fill: #3a444e; }}
.chart .axis {{ stroke: #8a949e; stroke-width: 1; }}
.chart .grid {{ stroke: #e6e9ed; stroke-width: 1; }}
.chart .grid-on-area {{ stroke: #ffffff; stroke-opacity: .55; stroke-width: 1;
  stroke-dasharray: 3 3; }}
.chart .leader {{ fill: none; stroke: #8a949e; stroke-width: 1; }}
.chart .end-label {{ font-size: 13px; fill: #1d2329; }}
.chart .end-share {{ font-weight: 700; }}
.chart .chosen-label {{ font-size: 12px; font-weight: 700; fill: #111111; }}
.matrix {{ table-layout: fixed; }}
.matrix .corner {{ width: 112px; font-weight: 500; }}
.matrix tbody th {{ font-weight: 500; font-size: 12.5px; }}
.matrix td.rate {{ text-align: center; font-size: 13px; font-weight: 600; padding: 6px 2px;
  border-left: 2px solid #ffffff; }}
.matrix td.empty {{ color: #aab2ba; background: #fafbfc; }}
.matrix td.same {{ box-shadow: inset 0 0 0 2px rgba(0, 0, 0, .18); }}
.rate-n {{ display: block; font-size: 11px; font-weight: 400; opacity: .85; }}
details {{ margin-top: 8px; font-size: 13px; }}
summary {{ cursor: pointer; color: #3a444e; }}
.candidates {{ font-size: 12px; }}
.candidates td, .candidates th {{ padding: 2px 6px 2px 0; }}
.candidate-name {{ white-space: nowrap; }}
.split-2 {{ display: grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }}
"""


STAGE_ORDER = ("new", "reactivated", "active", "at_risk", "lapsed")
STAGE_LABELS = {
    "new": "New",
    "reactivated": "Reactivated",
    "active": "Active",
    "at_risk": "At risk",
    "lapsed": "Lapsed",
}


def _stage_rate(moves: dict[tuple[str, str], dict[str, Any]], origin: str, stage: str) -> str:
    """Format the share of a stage's customers that moved to another stage."""
    return format_percent(float(moves[(origin, stage)]["transition_rate"]))


def _lifecycle_section(data: ReportData) -> str:
    """Render the lifecycle thresholds, the stage mix and the last month's stage movement."""
    thresholds = data.lifecycle_thresholds
    if thresholds is None:
        return ""
    active, lapsed = int(thresholds["active_days"]), int(thresholds["lapsed_days"])
    source = str(thresholds["threshold_source"])
    if source == "derived":
        median = thresholds["median_gap_days"]
        origin = (
            f"from {format_int(int(thresholds['n_repeat_gaps']))} gaps between repeat purchases "
            f"(median {float(median):,.0f} days): active within the "
            f"{float(thresholds['active_gap_quantile']):.0%} quantile, lapsed beyond the "
            f"{float(thresholds['lapsed_gap_quantile']):.0%} quantile"
        )
    elif source == "var":
        origin = "set by the vars lifecycle_active_days / lifecycle_lapsed_days"
    else:
        origin = "defaults: too few repeat purchases to know the rhythm"
    shares = {str(row["lifecycle_stage"]): row for row in data.lifecycle_stages}
    stage_rows = "".join(
        f'<tr data-stage="{stage}"><th scope="row">{STAGE_LABELS[stage]}</th>'
        f'<td class="num">{format_int(int(shares[stage]["n_customers"]))}</td>'
        f'<td class="num">{format_percent(float(shares[stage]["share"]))}</td></tr>'
        for stage in STAGE_ORDER
        if stage in shares
    )
    moves = {
        (str(row["from_lifecycle_stage"]), str(row["to_lifecycle_stage"])): row
        for row in data.lifecycle_transitions
    }
    stages = [stage for stage in STAGE_ORDER if any(stage in pair for pair in moves)]
    matrix = ""
    if moves:
        head = "".join(f'<th scope="col">{STAGE_LABELS[stage]}</th>' for stage in stages)
        body = "".join(
            f'<tr><th scope="row">{STAGE_LABELS[origin_stage]}</th>'
            + "".join(
                f'<td class="num">{_stage_rate(moves, origin_stage, stage)}</td>'
                if (origin_stage, stage) in moves
                else '<td class="num">–</td>'
                for stage in stages
            )
            + "</tr>"
            for origin_stage in stages
            if any(pair[0] == origin_stage for pair in moves)
        )
        first = data.lifecycle_transitions[0]
        matrix = (
            f"<h3>Stage movement {escape(format_month(first['from_as_of_date']))} → "
            f"{escape(format_month(first['to_as_of_date']))}</h3>"
            f'<table class="matrix"><thead><tr><th scope="col">from \\ to</th>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table>"
        )
    return f"""
<section id="lifecycle">
  <h2>Lifecycle stages</h2>
  <p class="note">Tied to this business's own rhythm ({escape(origin)}): new = first purchase at
    most {active} days ago; active = last purchase at most {active} days ago; reactivated =
    active after a gap of more than {lapsed} days; at risk = last purchase {active + 1}–{lapsed}
    days ago; lapsed = more than {lapsed} days ago.</p>
  <table class="lifecycle"><thead><tr><th scope="col">Stage</th><th scope="col">Customers</th>
    <th scope="col">Share</th></tr></thead><tbody>{stage_rows}</tbody></table>
  {matrix}
</section>"""


def render_report(data: ReportData) -> str:
    """Render the whole HTML page for the report data."""
    movement = _transitions_section(data) + _lineage_section(data)
    if len(data.profiles) <= 5:
        lift_and_movement = (
            f'<div class="grid-2">{_heatmap_section(data)}<div class="stack">{movement}</div></div>'
        )
    else:
        lift_and_movement = _heatmap_section(data) + movement
    as_of = data.as_of_date.isoformat() if data.as_of_date else "n/a"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segments — {escape(as_of)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
{_header(data)}
{_sizes_section(data)}
{_lifecycle_section(data)}
<div class="grid-2">{_outcomes_section(data)}{_validation_section(data)}</div>
{_rules_section(data)}
{lift_and_movement}
{_history_section(data)}
{_model_section(data)}
</main>
</body>
</html>
"""


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

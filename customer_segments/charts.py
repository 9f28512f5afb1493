"""The report's two charts, drawn by matplotlib's SVG backend as static inline SVG.

Text stays text (``svg.fonttype: none``: the page's fonts, selectable, searchable), the output is
byte-stable for the same data (no date in the metadata, a fixed hash salt for the clip-path ids),
and one SVG user unit is one CSS pixel (the figure is drawn at 72 dpi and its size rewritten from
points to pixels), so the charts sit in the page's grid like the rest of it. No pyplot: a Figure
per chart, nothing global but the rc settings passed to each one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import date

import matplotlib

matplotlib.use("svg")  # never an interactive backend: the report is rendered headless

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: E402

DPI = 72  # one point per pixel
INK = "#1d2329"
MUTED = "#5a6570"
AXIS = "#8a949e"
GRID = "#e6e9ed"
FONT_FAMILY = ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"]
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "customer_segments",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "font.size": 12,
    "axes.edgecolor": AXIS,
    "axes.labelcolor": "#3a444e",
    "axes.linewidth": 1.0,
    "xtick.color": AXIS,
    "ytick.color": AXIS,
    "xtick.labelcolor": MUTED,
    "ytick.labelcolor": MUTED,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.labelsize": 12,
}
_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def _svg(figure: Figure, name: str, label: str) -> str:
    """Return the figure as an inline <svg> element sized in pixels, without the XML prolog."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    # inline in HTML: no namespace declarations (the HTML parser knows SVG and xlink), and the
    # backend's page-wide `*{stroke-linejoin...}` rule is the stylesheet's `.chart *` rule instead
    text = (
        re.sub(r'\s(xmlns(:xlink)?|version)="[^"]*"', "", text[: text.index(">") + 1], count=3)
        + text[text.index(">") + 1 :]
    )
    text = re.sub(r"\s*<style type=\"text/css\">\*\{[^}]*\}</style>", "", text, count=1)
    text = re.sub(r"<defs>\s*</defs>\s*", "", text)
    # the backend names its groups figure_1, axes_1, ... in every chart; only the ids a chart
    # links to (markers and clips, named by a hash of their content) are kept, prefixed by the
    # chart's name (two charts share a tick marker, so its hash), so ids stay unique on the page
    linked = set(re.findall(r"""(?:href="|url\()#([\w.-]+)""", text))

    def kept(match: re.Match) -> str:
        """Keep a linked id, prefixed; drop the others."""
        return f' id="{name}-{match.group(1)}"' if match.group(1) in linked else ""

    text = re.sub(r'\sid="([^"]*)"', kept, text)
    text = re.sub(r"""(href="|url\()#([\w.-]+)""", rf"\g<1>#{name}-\g<2>", text)
    text = _SIZE.sub(
        lambda m: (
            f'<svg{m.group(1)} class="chart" role="img" aria-label="{label}" '
            f'width="{float(m.group(2)):g}" height="{float(m.group(3)):g}"'
        ),
        text,
        count=1,
    )
    return text.strip()


def _figure(width: float, height: float) -> Figure:
    """Return a transparent figure of width × height pixels."""
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    figure.patch.set_alpha(0.0)
    return figure


def share_over_time_svg(
    months: Sequence[date],
    series: Sequence[tuple[str, Sequence[float]]],
    month_label: Callable[[date], str],
) -> str:
    """Draw a stacked area of each segment's share per month: (colour, shares) per series."""
    with rc_context(RC):
        figure = _figure(880, 260)
        axes = figure.add_axes((52 / 880, 34 / 260, 792 / 880, 214 / 260))
        axes.set_facecolor("none")
        positions = list(range(len(months)))
        values = [list(shares) for _, shares in series]
        if len(months) == 1:  # one month: a full-width band per segment
            positions = [0, 1]
            values = [shares * 2 for shares in values]
        axes.stackplot(
            positions,
            values,
            colors=[colour for colour, _ in series],
            edgecolor="#ffffff",
            linewidth=1.0,
        )
        axes.set_xlim(positions[0], positions[-1])
        axes.set_ylim(0, 1)
        axes.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1.0]))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value * 100:.0f}%"))
        axes.grid(axis="y", color="#ffffff", alpha=0.55, linestyle=(0, (3, 3)), linewidth=1.0)
        axes.set_axisbelow(False)
        if len(months) > 1:
            step = max(1, -(-len(months) // 11))  # at most 11 month labels fit the width
            shown = [index for index in positions if (len(months) - 1 - index) % step == 0]
            axes.xaxis.set_major_locator(FixedLocator(shown))
            axes.xaxis.set_minor_locator(FixedLocator(positions))
            axes.xaxis.set_major_formatter(
                FuncFormatter(lambda value, _: month_label(months[int(round(value))]))
            )
        else:
            axes.xaxis.set_major_locator(FixedLocator([0.5]))
            axes.xaxis.set_major_formatter(FuncFormatter(lambda _v, _p: month_label(months[0])))
        axes.tick_params(axis="x", which="both", length=5)
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        return _svg(figure, "history", "Segment share per month")


def _ring(axes, row: dict, size: float, edge: str, face: str) -> None:
    """Draw one candidate's circle (size in points, 2-point edge) at its k and BIC."""
    axes.plot(
        [row["k"]],
        [row["bic"]],
        marker="o",
        markersize=size,
        markeredgewidth=2,
        markeredgecolor=edge,
        markerfacecolor=face,
        linestyle="none",
    )


def bic_svg(
    candidates: Sequence[dict],
    styles: Sequence[tuple[str, str]],
    axis_number: Callable[[float, float], str],
) -> str:
    """Draw BIC over k per covariance type: rejected candidates hollow, the chosen one ringed.

    Each candidate is a dict with k, bic, covariance_type, rejected (bool) and is_chosen.
    """
    with rc_context(RC):
        figure = _figure(500, 272)
        axes = figure.add_axes((66 / 500, 46 / 272, 416 / 500, 208 / 272))
        axes.set_facecolor("none")
        types = sorted({row["covariance_type"] for row in candidates})
        for index, covariance in enumerate(types):
            colour, dash = styles[index % len(styles)]
            series = sorted(
                (row for row in candidates if row["covariance_type"] == covariance),
                key=lambda row: row["k"],
            )
            ks = [row["k"] for row in series]
            bics = [row["bic"] for row in series]
            dashes = (0, tuple(float(part) for part in dash.split())) if dash else "solid"
            axes.plot(ks, bics, color=colour, linewidth=2, linestyle=dashes, label=covariance)
            for row in series:
                _ring(axes, row, 9, colour, "#ffffff" if row["rejected"] else colour)
        for row in candidates:
            if row["is_chosen"]:
                _ring(axes, row, 19, "#111111", "none")
                axes.annotate(
                    f"chosen: k = {row['k']}",
                    (row["k"], row["bic"]),
                    xytext=(0, 14),
                    textcoords="offset points",
                    horizontalalignment="center",
                    verticalalignment="bottom",
                    fontsize=12,
                    fontweight="bold",
                    color="#111111",
                )
        ks = sorted({row["k"] for row in candidates})
        axes.xaxis.set_major_locator(FixedLocator(ks))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f}"))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ticks = axes.yaxis.get_major_locator()()
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: axis_number(value, step)))
        axes.grid(axis="y", color=GRID, linewidth=1.0)
        axes.set_axisbelow(True)
        axes.margins(x=0.04, y=0.08)
        axes.set_xlabel("k (number of segments)")
        axes.set_ylabel("BIC (lower is better)")
        axes.tick_params(axis="x", length=5)
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        return _svg(figure, "bic", "BIC per number of segments")

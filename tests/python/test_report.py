"""The HTML segment report: rendered from the readers' file, checked in real headless Chromium."""

import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import REPO, query
from PIL import Image

from customer_segments.report import main, segment_colour

CHROMIUM = Path("/usr/bin/chromium")
WINDOW_WIDTH, WINDOW_HEIGHT = 1280, 2400
DOCS_SCREENSHOT = REPO / "docs" / "segment_report.png"
MAX_DOCS_SCREENSHOT_BYTES = 400 * 1024
EXTERNAL_MARKERS = (
    "<script",
    "<link",
    "<img",
    "<iframe",
    "http:",
    "https:",
    "src=",
    "@import",
)
# links are allowed only to a fragment of the page itself (the charts' shared markers and clips)
EXTERNAL_LINK = re.compile(r"""(?:href=["']|url\()(?!#)""")


# ---------------------------------------------------------------- helpers


def readers_file_of(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.stem + "_published.duckdb")


def require_chromium() -> Path:
    """Chromium, or a skip on a dev machine without it; on CI a missing Chromium fails."""
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI: install it with `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); CI runs this test")


def run_chromium(chromium: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}",
        *args,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, f"chromium failed:\n{completed.stderr[-4000:]}"
    return completed


def read_png(path: Path) -> np.ndarray:
    """Decode a PNG into a height × width × channels array."""
    with Image.open(path) as image:
        assert image.format == "PNG", f"{path} is not a PNG"
        return np.asarray(image)


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an RGB image as a PNG (no filter, zlib level 9: small for flat, text-heavy pages).

    Not Pillow's encoder: it picks adaptive row filters, which on this page make the file about a
    third larger (372 KB against 277 KB), and it offers no choice of filter."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    height, width, _ = image.shape
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 1:] = image[:, :, :3].reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


class DomValues(HTMLParser):
    """Every element with an id or data-value: its attributes, text and enclosing row keys."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    KEYS = ("data-segment-id", "data-rule-id")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        context = dict(self.stack[-1]["context"]) if self.stack else {}
        context.update({key: attributes[key] for key in self.KEYS if key in attributes})
        element = {"tag": tag, "attrs": attributes, "context": context, "text": []}
        if tag in self.VOID:
            self._record(element)
        else:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        while self.stack:
            element = self.stack.pop()
            self._record(element)
            if element["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"].append(data)

    def _record(self, element):
        if "id" in element["attrs"] or "data-value" in element["attrs"]:
            element["text"] = "".join(element["text"]).strip()
            self.found.append(element)

    def by_id(self, element_id: str) -> dict:
        matches = [element for element in self.found if element["attrs"].get("id") == element_id]
        assert len(matches) == 1, f"expected one element with id {element_id!r}, got {matches}"
        return matches[0]

    def by_class(self, name: str) -> list[dict]:
        return [
            element
            for element in self.found
            if name in element["attrs"].get("class", "").split()
            and "data-value" in element["attrs"]
        ]


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def readers_file(sample_warehouse) -> Path:
    path = readers_file_of(sample_warehouse)
    assert path.is_file(), f"the build did not write the readers' file {path}"
    return path


@pytest.fixture(scope="module")
def report_html(readers_file, tmp_path_factory) -> Path:
    """The report rendered by the real command line."""
    out = tmp_path_factory.mktemp("report") / "segment_report.html"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "customer_segments.report",
            "--database",
            str(readers_file),
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return out


# ---------------------------------------------------------------- tests


def test_report_is_self_contained_escaped_and_deterministic(report_html, readers_file, tmp_path):
    page = report_html.read_text(encoding="utf-8")
    lowered = page.lower()
    for marker in EXTERNAL_MARKERS:
        assert marker not in lowered, f"the report references something outside itself: {marker}"
    outside = EXTERNAL_LINK.search(lowered)
    assert outside is None, f"the report links outside itself: {lowered[outside.start() :][:80]}"
    fragments = set(re.findall(r"""(?:href=["']|url\()#([\w-]+)""", page))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert fragments <= set(ids), "a link to no element"
    assert len(ids) == len(set(ids)), "an id used twice"
    assert "<svg" in page and "<style>" in page
    profiles = query(readers_file, "select segment_name, segment_description from segment_profiles")
    for text in [*profiles["segment_name"], *profiles["segment_description"]]:
        assert text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in page, (
            f"{text!r} is not shown (escaped) on the page"
        )
    again = tmp_path / "again.html"
    assert main(["--database", str(readers_file), "--out", str(again)]) == 0
    assert again.read_bytes() == report_html.read_bytes(), "the same database gave another page"


def test_report_errors_name_the_missing_database(tmp_path, capsys):
    missing = tmp_path / "nowhere.duckdb"
    assert main(["--database", str(missing), "--out", str(tmp_path / "x.html")]) == 1
    assert str(missing) in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_report_screenshot_in_chromium_is_not_blank(report_html, readers_file, tmp_path):
    chromium = require_chromium()
    screenshot = tmp_path / "segment_report.png"
    run_chromium(chromium, tmp_path, f"--screenshot={screenshot}", report_html.as_uri())
    assert screenshot.is_file() and screenshot.stat().st_size > 0, "chromium wrote no screenshot"
    image = read_png(screenshot)
    assert image.shape[:2] == (WINDOW_HEIGHT, WINDOW_WIDTH)
    pixels = image[:, :, :3].reshape(-1, 3).astype(np.uint32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    unique, counts = np.unique(packed, return_counts=True)
    colours = Counter(dict(zip(unique.tolist(), counts.tolist(), strict=True)))
    # A blank page has one colour; the report has charts, shaded tables and anti-aliased text.
    assert len(colours) >= 500, f"only {len(colours)} distinct colours: the page looks blank"
    most_common_share = colours.most_common(1)[0][1] / len(packed)
    assert most_common_share < 0.9, f"{most_common_share:.0%} of the page is one colour"
    # Every segment's colour is painted (size bars, share areas) over a good number of pixels: a
    # 2% segment's bars and band cover about a thousand in the window (the lifecycle section now
    # sits above the share chart).
    segment_ids = query(readers_file, "select segment_id from segment_profiles")["segment_id"]
    for segment_id in segment_ids:
        colour = int(segment_colour(int(segment_id))[1:], 16)
        assert colours.get(colour, 0) >= 800, f"segment {segment_id}'s colour is hardly drawn"
    # The README shows this screenshot; re-encoded losslessly so it stays small.
    write_png(DOCS_SCREENSHOT, image)
    assert np.array_equal(read_png(DOCS_SCREENSHOT), image[:, :, :3])
    size = DOCS_SCREENSHOT.stat().st_size
    assert size <= MAX_DOCS_SCREENSHOT_BYTES, f"{DOCS_SCREENSHOT} is {size:,} bytes"


def test_report_dom_in_chromium_shows_the_tables_numbers(report_html, readers_file, tmp_path):
    chromium = require_chromium()
    dom = run_chromium(chromium, tmp_path, "--dump-dom", report_html.as_uri()).stdout
    assert "Customer segments" in dom
    values = DomValues()
    values.feed(dom)
    values.close()

    n_customers = int(query(readers_file, "select count(*) as n from segment_membership")["n"][0])
    total = values.by_id("customers-total")
    assert int(total["attrs"]["data-value"]) == n_customers
    assert total["text"] == f"{n_customers:,}"

    header = query(
        readers_file,
        """
        select
            (select max(as_of_date) from segment_history where is_latest_as_of_date) as as_of_date,
            (select any_value(model_version) from segment_profiles) as model_version
        """,
    ).iloc[0]
    assert (
        values.by_id("as-of-date")["text"] == pd.Timestamp(header["as_of_date"]).date().isoformat()
    )
    assert values.by_id("model-version")["text"] == header["model_version"]

    profiles = query(
        readers_file, "select segment_id, n_customers, customer_share from segment_profiles"
    ).set_index("segment_id")
    shown_n = {int(e["context"]["data-segment-id"]): e for e in values.by_class("n-customers")}
    shown_share = {
        int(e["context"]["data-segment-id"]): e for e in values.by_class("customer-share")
    }
    assert set(shown_n) == set(shown_share) == set(profiles.index)
    for row in profiles.itertuples():
        assert int(shown_n[row.Index]["attrs"]["data-value"]) == row.n_customers
        assert shown_n[row.Index]["text"] == f"{row.n_customers:,}"
        assert float(shown_share[row.Index]["attrs"]["data-value"]) == row.customer_share
        assert shown_share[row.Index]["text"] == percent(row.customer_share)

    rules = query(readers_file, "select rule_id, support, rule_precision from segment_rules")
    shown_support = {e["context"]["data-rule-id"]: e for e in values.by_class("rule-support")}
    shown_precision = {e["context"]["data-rule-id"]: e for e in values.by_class("rule-precision")}
    assert set(shown_support) == set(shown_precision) == set(rules["rule_id"])
    for rule in rules.itertuples():
        assert float(shown_support[rule.rule_id]["attrs"]["data-value"]) == rule.support
        assert shown_support[rule.rule_id]["text"] == percent(rule.support)
        assert shown_precision[rule.rule_id]["text"] == percent(rule.rule_precision)

    chosen = query(
        readers_file,
        """
        select k, covariance_type from segment_model_selection
        where is_chosen
            and model_version = (select any_value(model_version) from segment_profiles)
        """,
    )
    assert len(chosen) == 1
    chosen_k = values.by_id("chosen-k")
    assert int(chosen_k["attrs"]["data-value"]) == chosen["k"][0]
    assert chosen_k["text"] == str(chosen["k"][0])
    assert values.by_id("chosen-covariance")["text"] == chosen["covariance_type"][0]

    transitions = query(
        readers_file,
        """
        select from_segment_id, to_segment_id, transition_rate from segment_transitions
        where to_as_of_date = (select max(to_as_of_date) from segment_transitions)
        """,
    )
    shown_rates = {
        (int(e["attrs"]["data-from-segment-id"]), int(e["attrs"]["data-to-segment-id"])): e
        for e in values.found
        if "data-from-segment-id" in e["attrs"]
    }
    assert len(shown_rates) == len(transitions)
    for row in transitions.itertuples():
        shown = shown_rates[(row.from_segment_id, row.to_segment_id)]
        assert float(shown["attrs"]["data-value"]) == row.transition_rate
        assert shown["text"].startswith(f"{row.transition_rate * 100:.1f}%")


def test_report_shows_lifecycle_thresholds_and_drops_unmeasured_rows(readers_file, tmp_path):
    from customer_segments.report import load_report_data, render_report

    copy = tmp_path / "readers.duckdb"
    copy.write_bytes(readers_file.read_bytes())
    thresholds = query(copy, "select * from segment_lifecycle_thresholds").iloc[0]
    stages = query(
        copy, "select lifecycle_stage, count(*) as n from segment_membership group by all"
    )
    html = render_report(load_report_data(copy))
    section = html[html.index('<section id="lifecycle">') :]
    section = section[: section.index("</section>")]
    assert f"at most {thresholds['active_days']} days ago" in section
    assert f"more than {thresholds['lapsed_days']} days ago" in section
    for row in stages.itertuples():
        assert f'data-stage="{row.lifecycle_stage}"' in section
        assert f"{row.n:,}" in section
    assert 'data-feature="lift_sessions_90d"' in html
    # orders only: the engagement lifts are null in every segment, and their rows are left out
    engagement = ["sessions_30d", "sessions_90d", "email_open_rate", "email_click_rate"]
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "update segment_profiles set "
            + ", ".join(f"lift_{feature} = null" for feature in engagement)
        )
    html = render_report(load_report_data(copy))
    for feature in engagement:
        assert f'data-feature="lift_{feature}"' not in html
    assert 'data-feature="lift_order_count"' in html


def test_report_escapes_every_value_it_reads(readers_file, tmp_path):
    """Names, descriptions, rules and model versions come from the warehouse: a hostile one is
    shown as text, in the tables, the headers and the charts' titles alike."""
    from customer_segments.report import load_report_data, render_report

    copy = tmp_path / "readers.duckdb"
    copy.write_bytes(readers_file.read_bytes())
    hostile = "<script>alert('x')</script> & \"co\""
    with duckdb.connect(str(copy)) as connection:
        segment_id = connection.sql("select min(segment_id) from segment_profiles").fetchone()[0]
        connection.execute(
            "update segment_profiles set segment_name = ?, segment_description = ?"
            " where segment_id = ?",
            [hostile, hostile + " description", segment_id],
        )
        connection.execute(
            "update segment_rules set segment_name = ?, rule_text = ? where segment_id = ?",
            [hostile, "<b>bold</b> rule", segment_id],
        )
    html = render_report(load_report_data(copy))
    assert "<script" not in html.lower()
    assert "<b>bold</b>" not in html
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;co&#34;"
    assert html.count(escaped) >= 4  # sizes, heatmap header, rules, the history chart's title
    assert "&lt;b&gt;bold&lt;/b&gt; rule" in html

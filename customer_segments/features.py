"""The feature catalogue: what each model feature is, read from the dbt project itself.

Every column of ``feat_customer_features`` with a ``meta.feature`` block in
``models/features/_features__models.yml`` is a feature. The SQL (the profiles, through the macro
``feature_catalogue``), the docs (the column's ``{% docs feature_<name> %}`` block) and the Python
below all read that one entry, so adding a feature is its SQL, its entry and its docs block (plus
the three ``mean_/median_/lift_`` columns of the profiles' enforced contract).

The keys of ``meta.feature``:

- ``unit``: ``days_ago`` (days before the as-of date), ``days`` (a duration), ``count``,
  ``amount`` (money), ``share`` (0 to 1, shown as a percentage) or ``index`` (a signed measure
  from -1 to 1). Shares and indexes are modelled as they are; everything else through a signed log.
- ``label``: how names and descriptions call it ("last order").
- ``fill``: ``median`` (default) or ``max`` (null means "never": as long ago as anyone seen).
- ``dimension``, ``dimension_rank`` (1 first), ``high_is`` (1, or -1 when a low value means a
  high dimension, as days since the last order for recency): the naming dimension it measures.
- ``high_only``: its low values say little (most customers never refund).
- ``count_phrase`` with ``smallest`` (default 0) and ``number_words``: a count's rule text,
  ``{n}`` the number and ``{s}`` the plural ending ("{n} order{s}").
- ``phrases``: ``at_most``, ``more_than``, ``between`` (``{v}``, ``{lo}``, ``{hi}``) for the rule
  text of any other feature.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE_PATH = (
    Path(__file__).resolve().parents[1] / "models" / "features" / "_features__models.yml"
)
CATALOGUE_MODEL = "feat_customer_features"
UNITS = ("days_ago", "days", "count", "amount", "share", "index")
FILLS = ("median", "max")
KEYS = {
    "unit",
    "label",
    "fill",
    "dimension",
    "dimension_rank",
    "high_is",
    "high_only",
    "count_phrase",
    "smallest",
    "number_words",
    "phrases",
}
PHRASE_KEYS = ("at_most", "more_than", "between")


@dataclass(frozen=True)
class Feature:
    """One catalogue entry: a model feature and how it is modelled, phrased and named."""

    name: str
    unit: str
    label: str
    fill: str = "median"
    dimension: str | None = None
    dimension_rank: int = 1
    high_is: int = 1
    high_only: bool = False
    count_phrase: str | None = None
    smallest: int = 0
    number_words: bool = False
    phrases: tuple[str, str, str] | None = None

    @property
    def transform(self) -> str:
        """The preprocessing transform: shares and indexes as they are, the rest signed log."""
        return "identity" if self.unit in ("share", "index") else "slog1p"

    @property
    def is_signed(self) -> bool:
        """True for a measure centred near zero, whose ratios to the population mean say nothing."""
        return self.unit == "index"

    @property
    def is_fraction(self) -> bool:
        """True for shares and indexes: rule thresholds are rounded to two decimals."""
        return self.unit in ("share", "index")

    @property
    def style(self) -> str:
        """How a value is written in names and descriptions: days_ago, days, percent or ratio."""
        return {"days_ago": "days_ago", "days": "days", "share": "percent"}.get(self.unit, "ratio")


def _entry(column: dict, path: Path) -> Feature:
    """Return the Feature of one column's meta.feature block; ValueError naming what is wrong."""
    name = column["name"]
    where = f"{path}: {CATALOGUE_MODEL}.{name} meta.feature"
    meta = column["meta"]["feature"]
    if not isinstance(meta, dict):
        raise ValueError(f"{where} must be a mapping, got {meta!r}")
    unknown = sorted(set(meta) - KEYS)
    if unknown:
        raise ValueError(f"{where} has unknown keys {unknown}; known: {sorted(KEYS)}")
    for key in ("unit", "label"):
        if not meta.get(key):
            raise ValueError(f"{where} has no {key}")
    if meta["unit"] not in UNITS:
        raise ValueError(f"{where}: unit {meta['unit']!r} is not one of {', '.join(UNITS)}")
    if meta.get("fill", "median") not in FILLS:
        raise ValueError(f"{where}: fill {meta['fill']!r} is not one of {', '.join(FILLS)}")
    if meta.get("high_is", 1) not in (1, -1):
        raise ValueError(f"{where}: high_is must be 1 or -1, got {meta['high_is']!r}")
    phrases = meta.get("phrases")
    if meta["unit"] == "count":
        if not meta.get("count_phrase") or "{n}" not in meta["count_phrase"]:
            raise ValueError(f"{where}: a count needs a count_phrase with {{n}}")
    elif not isinstance(phrases, dict) or sorted(phrases) != sorted(PHRASE_KEYS):
        raise ValueError(f"{where}: phrases must give exactly {', '.join(PHRASE_KEYS)}")
    return Feature(
        name=name,
        unit=meta["unit"],
        label=str(meta["label"]),
        fill=meta.get("fill", "median"),
        dimension=meta.get("dimension"),
        dimension_rank=int(meta.get("dimension_rank", 1)),
        high_is=int(meta.get("high_is", 1)),
        high_only=bool(meta.get("high_only", False)),
        count_phrase=meta.get("count_phrase"),
        smallest=int(meta.get("smallest", 0)),
        number_words=bool(meta.get("number_words", False)),
        phrases=None if phrases is None else tuple(phrases[key] for key in PHRASE_KEYS),
    )


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Feature]:
    """Read the catalogue from a dbt properties file: feature name -> Feature, in column order."""
    models = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", [])
    node = next((model for model in models if model.get("name") == CATALOGUE_MODEL), None)
    if node is None:
        raise ValueError(f"{path} does not describe the model {CATALOGUE_MODEL}")
    return {
        column["name"]: _entry(column, path)
        for column in node.get("columns", [])
        if "feature" in (column.get("meta") or {})
    }


@cache
def catalogue() -> dict[str, Feature]:
    """Return the project's feature catalogue (read once)."""
    return load_catalogue()


def feature(name: str) -> Feature:
    """Return one feature's entry; ValueError naming the feature when it is not in the catalogue."""
    entries = catalogue()
    if name not in entries:
        raise ValueError(
            f"feature {name!r} is not in the feature catalogue ({CATALOGUE_MODEL} columns with "
            f"meta.feature in {CATALOGUE_PATH.relative_to(CATALOGUE_PATH.parents[2])}); "
            f"known: {', '.join(entries)}"
        )
    return entries[name]

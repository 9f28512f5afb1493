"""What the thin dbt Python models call: config parsing, dbt logging, fit-or-reuse."""

import json
from collections.abc import Callable

import pandas as pd

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


def parse_model_config(text: str | dict) -> dict:
    """Parse the segment-model config that dbt passes as JSON text (rendered from vars)."""
    config = json.loads(text) if isinstance(text, str) else dict(text)
    config["refit"] = _as_bool(config.get("refit", True))
    for key in ("k_min", "k_max", "n_init", "seed", "fit_sample_size", "min_fit_customers"):
        if key in config:
            config[key] = int(config[key])
    for key in ("min_segment_share", "match_threshold"):
        if key in config:
            config[key] = float(config[key])
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
) -> pd.DataFrame:
    """Return the registry rows to append: the new model, or none when nothing new was fitted."""
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
    model = fit_segment_model(sample, config, previous=previous, log=log)
    if previous is not None and model.model_version == previous.model_version:
        log(f"segment fit: model {model.model_version} is already the latest registered; kept")
        return empty_registry()
    return registry_frame(model)

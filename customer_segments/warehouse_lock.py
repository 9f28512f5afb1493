"""One clear line, not three tracebacks, when a second build finds the warehouse file in use.

DuckDB lets one process write a database file, and locks it against every other process. A
second `dbt build` on the same file used to fail with DuckDB's lock error printed three times as
tracebacks. ``Plugin`` is a dbt-duckdb plugin (listed in ``profiles.yml``): dbt-duckdb creates it
before it opens the file, and it stops the build with one line naming the file, the process that
holds it, and how to build side by side. ``python -m customer_segments.warehouse_lock PATH`` is
the same check, for scripts/build.sh to run before dbt starts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import duckdb

LOCK_HELD = re.compile(
    r"Could not set lock on file \"(?P<path>[^\"]+)\": Conflicting lock is held in "
    r"(?P<program>.+?) \(PID (?P<pid>\d+)\)"
)


def lock_message(path: str, error_text: str) -> str | None:
    """Return the one-line message for DuckDB's lock error (None for any other error)."""
    held = LOCK_HELD.search(error_text)
    if held is None:
        return None
    return (
        f"Warehouse file {held['path'] or path} is in use by another process "
        f"(PID {held['pid']}, {held['program']}), most likely another dbt build: DuckDB lets one "
        "process open a file for writing. Wait for it to finish, or build side by side into "
        "another file: CUSTOMER_SEGMENTS_DB=/path/to/other.duckdb dbt build (or a separate "
        "--target in profiles.yml)."
    )


def warehouse_in_use(path: str) -> str | None:
    """Return the lock message when another process holds the DuckDB file at path."""
    if not path or path.startswith(":memory:") or not Path(path).is_file():
        return None
    try:
        duckdb.connect(path, read_only=True).close()
    except duckdb.Error as error:
        return lock_message(path, str(error))
    return None


try:  # dbt-duckdb is there whenever dbt runs; the command-line check needs only duckdb.
    from dbt.adapters.duckdb.plugins import BasePlugin
    from dbt_common.exceptions import DbtRuntimeError
except ImportError:  # pragma: no cover - the package without dbt installed
    BasePlugin = object  # type: ignore[assignment,misc]
    DbtRuntimeError = RuntimeError  # type: ignore[assignment,misc]


class Plugin(BasePlugin):  # type: ignore[misc,valid-type]
    """dbt-duckdb plugin: refuse to start when the target's DuckDB file is locked."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        """Check the lock before dbt-duckdb opens the file (plugins are created first)."""
        path = getattr(self.creds, "path", None)
        message = warehouse_in_use(str(path)) if path else None
        if message:
            raise DbtRuntimeError(message)


def main(argv: list[str] | None = None) -> int:
    """Exit 1 with the one-line message when the DuckDB file given is in use, else 0."""
    args = sys.argv[1:] if argv is None else argv
    for path in args:
        message = warehouse_in_use(path)
        if message:
            print(message, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

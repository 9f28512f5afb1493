#!/usr/bin/env bash
# Set up .venv if needed, then run the whole test suite: linters, then pytest (which runs the
# real dbt build on the bundled sample and on crafted inputs). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/_setup.sh"
ruff check .
ruff format --check .
sqlfluff lint models macros tests --processes 2
python -m pytest "$@"

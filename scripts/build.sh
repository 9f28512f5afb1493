#!/usr/bin/env bash
# Set up .venv if needed, then `dbt build` the whole project on the bundled sample data into
# build/customer_segments.duckdb. Extra arguments go to dbt (e.g. --vars '{refit: false}').
set -euo pipefail
source "$(dirname "$0")/_setup.sh"
mkdir -p build
# A second build on a file in use stops here, in one line, before dbt parses the project.
python -m customer_segments.warehouse_lock "${CUSTOMER_SEGMENTS_DB:-build/customer_segments.duckdb}"
dbt build --project-dir . --profiles-dir . "$@"

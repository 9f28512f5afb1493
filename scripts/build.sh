#!/usr/bin/env bash
# Set up .venv if needed, then `dbt build` the whole project on the bundled sample data into
# build/customer_segments.duckdb. Extra arguments go to dbt (e.g. --vars '{refit: false}').
set -euo pipefail
source "$(dirname "$0")/_setup.sh"
mkdir -p build
dbt build --project-dir . --profiles-dir . "$@"

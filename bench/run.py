"""Benchmark: our whole tested dbt build vs the notebook baseline vs a DuckDB floor query.

python bench/run.py --sizes 100000 1000000 [--work build/bench]
For each size: generate the data (not timed), then time, each in its own process, the whole
`dbt build` at one as-of date, the pandas + scikit-learn baseline, and the floor query; report
wall time and peak resident memory (ru_maxrss of the process and its children) and the ratios.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def measure(args: list[str], env: dict | None = None) -> dict:
    """Run a command; return wall seconds, peak RSS in MiB (from wait4) and whether it passed."""
    import tempfile

    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            args, cwd=REPO, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read()[-2000:]
    return {
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,
        "ok": process.returncode == 0,
        "tail": tail,
    }


def run_size(customers: int, work: Path) -> dict:
    """Generate one size and time the three contenders on it."""
    data = work / f"data_{customers}"
    if not (data / "events.parquet").exists():
        subprocess.run(
            [
                str(BIN / "python"),
                "-m",
                "customer_segments.generate",
                "--customers",
                str(customers),
                "--seed",
                "1",
                "--out",
                str(data),
                "--format",
                "parquet",
            ],
            check=True,
            cwd=REPO,
        )
    results = {}
    db = work / f"dbt_{customers}.duckdb"
    for leftover in work.glob(f"dbt_{customers}*"):
        if leftover.is_file():
            leftover.unlink()
    dbt_vars = (
        f"{{orders_location: '{data}/orders.parquet', customers_location: "
        f"'{data}/customers.parquet', events_location: '{data}/events.parquet', history_months: 0}}"
    )
    results["dbt build (ours)"] = measure(
        [
            str(BIN / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--vars",
            dbt_vars,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env={"CUSTOMER_SEGMENTS_DB": str(db)},
    )
    results["notebook baseline"] = measure(
        [
            str(BIN / "python"),
            "bench/baseline_notebook.py",
            str(data),
            str(work / f"baseline_{customers}"),
        ]
    )
    floor_sql = (REPO / "bench" / "floor_query.sql").read_text().replace("{data}", str(data))
    floor_file = work / f"floor_{customers}.sql"
    floor_file.write_text(
        f"set memory_limit = '4GB';\ncopy ({floor_sql}) to '{work}/floor_{customers}.parquet';\n"
    )
    results["DuckDB floor query (features only)"] = measure(
        [
            str(BIN / "python"),
            "-c",
            f"import duckdb; duckdb.connect().execute(open({str(floor_file)!r}).read())",
        ]
    )
    return results


def main() -> None:
    """Run every size and print (and write) the results table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}. Command: `python bench/run.py --sizes "
        f"{' '.join(map(str, args.sizes))}`.",
        "",
        "| customers | contender | wall s | peak MiB | ok | wall vs baseline | peak vs baseline |",
        "|---:|---|---:|---:|---|---:|---:|",
    ]
    for size in args.sizes:
        results = run_size(size, args.work)
        baseline = results["notebook baseline"]
        for name, result in results.items():
            ratio_wall = result["seconds"] / baseline["seconds"]
            ratio_peak = result["peak_mib"] / baseline["peak_mib"]
            lines.append(
                f"| {size:,} | {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} | "
                f"{'yes' if result['ok'] else 'FAILED'} | {ratio_wall:.2f} | {ratio_peak:.2f} |"
            )
            if not result["ok"]:
                print(f"{name} at {size} failed:\n{result['tail']}", file=sys.stderr)
        print("\n".join(lines[-3:]), flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()

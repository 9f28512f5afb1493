"""Benchmark: our whole tested dbt build vs two notebooks vs DuckDB floor queries.

python bench/run.py --sizes 100000 1000000 [--work build/bench]
For each size: generate the data (not timed), then time, each in its own process, the whole
`dbt build` at one as-of date, the pandas + scikit-learn notebooks (the baseline, and the one an
experienced user writes: vectorized), the floor query (our feature rules in one query) and the
minimal aggregation (one query, no rules); report wall time and peak resident memory (the process
tree's, sampled, and ru_maxrss) and the ratios to the faster notebook.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def process_tree(root: int) -> list[psutil.Process]:
    """Return a process and all its descendants (those still alive)."""
    try:
        parent = psutil.Process(root)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss_bytes(root: int) -> int:
    """Return the summed resident memory of a process and all its descendants."""
    total = 0
    for process in process_tree(root):
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass  # ended between the listing and the reading
    return total


def kill_tree(root: int) -> None:
    """SIGKILL a process and all its descendants, the descendants first."""
    for process in reversed(process_tree(root)):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def measure(args: list[str], env: dict | None = None, cap_mib: float | None = None) -> dict:
    """Run a command; return wall seconds, peak memory in MiB and whether it passed.

    Peak memory is the larger of the summed RSS of the whole process tree, sampled every 0.2 s
    (dbt's Python models fit in worker processes), and the largest single process's peak RSS
    from wait4 (which catches a spike shorter than the sampling interval). With cap_mib, the
    tree is killed when it holds more than that (so a run that would exhaust the machine stops
    cleanly and is reported, instead of the kernel choosing what to kill).
    """
    import tempfile
    import threading

    peak_tree, peak_at = 0, None
    capped = False
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            args, cwd=REPO, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree, peak_at, capped
            while not done.wait(0.2):
                rss = tree_rss_bytes(process.pid)
                if rss > peak_tree:
                    peak_tree, peak_at = rss, datetime.now(timezone.utc)
                if cap_mib and peak_tree / 2**20 > cap_mib and not capped:
                    capped = True
                    kill_tree(process.pid)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    steps = [line[len("step: ") :] for line in output.splitlines() if line.startswith("step: ")]
    return {
        "seconds": seconds,
        "peak_mib": max(peak_tree / 2**20, usage.ru_maxrss / 1024),
        "ok": process.returncode == 0,
        "exit": process.returncode,
        "capped": capped,
        "peak_at": peak_at,
        "last_step": steps[-1] if steps else None,
        "tail": output[-2000:],
        "output": output,
    }


def dbt_build(work: Path, db: Path, data: Path, **dbt_vars) -> dict:
    """Time one `dbt build` on the generated files; add per-layer times from run_results.json."""
    variables = {
        "orders_location": f"{data}/orders.parquet",
        "customers_location": f"{data}/customers.parquet",
        "events_location": f"{data}/events.parquet",
        **dbt_vars,
    }
    target = work / f"target_{db.stem}"
    result = measure(
        [
            str(BIN / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--vars",
            json.dumps(variables),
            "--target-path",
            str(target),
            "--log-path",
            str(work / "logs"),
        ],
        env={"CUSTOMER_SEGMENTS_DB": str(db)},
    )
    run_results = target / "run_results.json"
    results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
    result["layers"] = layer_times(results)
    result["slowest"] = slowest_nodes(results)
    result["running_at_peak"] = nodes_running_at(results, result["peak_at"])
    return result


def execute_span(node: dict) -> tuple[datetime, datetime] | None:
    """Return when one node of run_results.json started and ended executing (None if it did not)."""
    for timing in node["timing"]:
        if timing["name"] == "execute" and timing.get("started_at"):
            return (
                datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00")),
                datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00")),
            )
    return None


def nodes_running_at(results: list[dict], moment: datetime | None) -> list[str]:
    """Return the nodes of a dbt build that were executing at a moment (e.g. the memory peak)."""
    if moment is None:
        return []
    return [
        node["unique_id"].split(".")[-1]
        for node in results
        if (span := execute_span(node)) and span[0] <= moment <= span[1]
    ]


def slowest_nodes(results: list[dict], count: int = 6) -> list[tuple[str, float]]:
    """Return the nodes of a dbt build that took longest, with their execution seconds."""
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:count]
    return [(r["unique_id"].split(".")[-1], r["execution_time"]) for r in ranked]


FEATURE_LAYER = "feature layer (staging + features models)"


def layer_times(results: list[dict]) -> dict:
    """Wall-clock span of each layer of a dbt build (first start to last end of its nodes)."""
    layers = {
        FEATURE_LAYER: lambda r: (
            r["unique_id"].startswith("model.")
            and any(
                f".{prefix}" in r["unique_id"]
                for prefix in ("stg_raw__", "int_as_of", "int_orders", "int_events", "feat_")
            )
        ),
        "fit (segment_model_registry)": lambda r: r["unique_id"].endswith(
            ".segment_model_registry"
        ),
        "scoring (int_segment_scores)": lambda r: r["unique_id"].endswith(".int_segment_scores"),
        "all data tests (summed)": lambda r: r["unique_id"].startswith("test."),
    }
    times = {}
    for name, member in layers.items():
        chosen = [r for r in results if member(r)]
        if not chosen:
            continue
        if name.endswith("(summed)"):
            times[name] = (sum(r["execution_time"] for r in chosen), len(chosen))
            continue
        spans = [span for r in chosen if (span := execute_span(r))]
        started = min(start for start, _ in spans)
        ended = max(end for _, end in spans)
        times[name] = ((ended - started).total_seconds(), len(chosen))
    return times


def compare_with_floor(db: Path, floor_file: Path) -> str:
    """Largest relative difference between our latest feature rows and the floor query's."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as connection:
        ours = connection.sql(
            "select * exclude (as_of_date, is_latest_as_of_date, has_engagement_data) "
            "from main_intermediate.feat_customer_features where is_latest_as_of_date "
            "order by customer_id"
        ).df()
        floor = connection.sql(
            f"select * from read_parquet('{floor_file}') order by customer_id"
        ).df()
    if (
        len(ours) != len(floor)
        or not (ours["customer_id"].values == floor["customer_id"].values).all()
    ):
        return f"different customers: {len(ours)} rows vs the floor's {len(floor)}"
    worst, where = 0.0, "-"
    for column in floor.columns.drop("customer_id"):
        a = ours[column].astype("float64").to_numpy()
        b = floor[column].astype("float64").to_numpy()
        if (np.isnan(a) != np.isnan(b)).any():
            return f"{column}: nulls differ"
        both = ~np.isnan(a)
        gap = np.abs(a[both] - b[both]) / np.maximum(np.abs(b[both]), 1.0)
        if gap.size and gap.max() > worst:
            worst, where = float(gap.max()), column
    return (
        f"{len(ours):,} customers x {len(floor.columns) - 1} features equal, "
        f"largest relative difference {worst:.1e} ({where})"
    )


# The two notebooks a user would write instead; wall ratios are against the faster one.
NOTEBOOKS = {
    "notebook baseline": "bench/baseline_notebook.py",
    "experienced notebook (vectorized)": "bench/experienced_notebook.py",
}
# --notebooks names them by their script: baseline, experienced
NOTEBOOK_NAMES = {
    Path(script).stem.removesuffix("_notebook"): name for name, script in NOTEBOOKS.items()
}
MINIMAL = "DuckDB minimal aggregation (no rules)"


def run_size(
    customers: int,
    work: Path,
    history: bool,
    daily: bool,
    baseline_cap_mib: float,
    floor_retry_memory: str,
    profile: str = "realistic",
    notebooks: tuple[str, ...] = tuple(NOTEBOOKS),
) -> tuple[dict, list[str]]:
    """Generate one size and time the contenders on it; return results and notes."""
    data = work / f"data_{profile}_{customers}"
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
                "--profile",
                profile,
                "--out",
                str(data),
                "--format",
                "parquet",
            ],
            check=True,
            cwd=REPO,
        )
    for leftover in work.glob(f"dbt_{customers}*"):
        if leftover.is_file():
            leftover.unlink()
        elif leftover.is_dir():
            shutil.rmtree(leftover)
    results, notes = {}, []
    db = work / f"dbt_{customers}.duckdb"
    results["dbt build (ours)"] = dbt_build(work, db, data, history_months=0)
    if daily:
        results["dbt build, refit: false (daily run)"] = dbt_build(
            work, db, data, history_months=0, refit=False
        )
    if history:
        results["dbt build with 12 month-ends of history"] = dbt_build(
            work, work / f"dbt_{customers}_history.duckdb", data, history_months=12
        )
    for name in notebooks:
        script = NOTEBOOKS[name]
        results[name] = measure(
            [
                str(BIN / "python"),
                script,
                str(data),
                str(work / f"{Path(script).stem}_{customers}"),
            ],
            cap_mib=baseline_cap_mib,
        )
    floor_sql = (REPO / "bench" / "floor_query.sql").read_text().replace("{data}", str(data))
    floor_file = work / f"floor_{customers}.sql"
    floor_out = work / f"floor_{customers}.parquet"
    floor_name = "DuckDB floor query (features only)"
    # First under the settings of our profile (profiles.yml), so the two run under the same rules;
    # if the single query runs out of memory there, again with more, to still know the floor.
    for memory_limit in ("3GB", floor_retry_memory):
        floor_file.write_text(
            f"set memory_limit = '{memory_limit}';\nset threads = 2;\n"
            f"set preserve_insertion_order = false;\nset temp_directory = '{work}/floor_tmp';\n"
            f"copy ({floor_sql}) to '{floor_out}';\n"
        )
        results[floor_name] = measure(
            [
                str(BIN / "python"),
                "-c",
                f"import duckdb; duckdb.connect().execute(open({str(floor_file)!r}).read())",
            ]
        )
        if results[floor_name]["ok"] or not floor_retry_memory:
            break
        results[f"{floor_name}, memory_limit 3GB"] = results.pop(floor_name)
        floor_name = f"DuckDB floor query (features only), memory_limit {floor_retry_memory}"
    if results["dbt build (ours)"]["ok"] and results[floor_name]["ok"]:
        notes.append(f"floor check: {compare_with_floor(db, floor_out)}")
    minimal_sql = (REPO / "bench" / "minimal_query.sql").read_text().replace("{data}", str(data))
    minimal_file = work / f"minimal_{customers}.sql"
    minimal_file.write_text(
        "set memory_limit = '3GB';\nset threads = 2;\nset preserve_insertion_order = false;\n"
        f"set temp_directory = '{work}/floor_tmp';\n"
        f"copy ({minimal_sql}) to '{work / f'minimal_{customers}.parquet'}';\n"
    )
    results[MINIMAL] = measure(
        [
            str(BIN / "python"),
            "-c",
            f"import duckdb; duckdb.connect().execute(open({str(minimal_file)!r}).read())",
        ]
    )
    for name in ("dbt build (ours)", "dbt build, refit: false (daily run)"):
        layer = results.get(name, {}).get("layers", {}).get(FEATURE_LAYER)
        if layer and results[MINIMAL]["ok"]:
            ratio = layer[0] / results[MINIMAL]["seconds"]
            notes.append(
                f"{name}: the feature layer took {ratio:.1f}x the minimal aggregation "
                f"({layer[0]:.1f} s vs {results[MINIMAL]['seconds']:.1f} s; target: within 10x)"
            )
    for name, result in results.items():
        if not result["ok"]:
            why = (
                f"killed by the benchmark at the {baseline_cap_mib:,.0f} MiB cap"
                if result["capped"]
                else f"exit status {result['exit']}"
            )
            errors = [line for line in result["output"].splitlines() if "Error" in line]
            reached = result["last_step"] or "-"
            notes.append(
                f"{name}: FAILED ({why}; {errors[-1] if errors else 'no error message'}); "
                f"last step done: {reached}"
            )
        for layer, (seconds, nodes) in result.get("layers", {}).items():
            notes.append(f"{name}: {layer} {seconds:.1f} s ({nodes} nodes)")
        if result.get("running_at_peak"):
            notes.append(
                f"{name}: at its memory peak ({result['peak_mib']:,.0f} MiB) it was running "
                + ", ".join(result["running_at_peak"])
            )
        slowest = result.get("slowest")
        if slowest and customers >= 10_000_000:
            listed = ", ".join(f"{node} {seconds:.0f} s" for node, seconds in slowest)
            notes.append(f"{name}: slowest nodes: {listed}")
    return results, notes


def main() -> None:
    """Run every size and print (and write) the results table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--history-sizes",
        type=int,
        nargs="*",
        default=[1_000_000],
        help="sizes at which to also time a build with 12 month-ends of history",
    )
    parser.add_argument(
        "--daily-sizes",
        type=int,
        nargs="*",
        default=None,
        help="sizes at which to also time a refit: false rebuild (default: every size)",
    )
    parser.add_argument(
        "--baseline-cap-mib",
        type=float,
        default=20 * 1024,
        help="stop the notebook baseline when its memory passes this (the machine has 24 GiB)",
    )
    parser.add_argument(
        "--floor-retry-memory",
        default="16GB",
        help="DuckDB memory_limit for a second floor run when it fails at 3GB ('' for none)",
    )
    parser.add_argument(
        "--profile",
        choices=["realistic", "planted"],
        default="realistic",
        help="generator profile of the benchmark data (README: Generating data)",
    )
    parser.add_argument(
        "--notebooks",
        nargs="+",
        choices=sorted(NOTEBOOK_NAMES),
        default=sorted(NOTEBOOK_NAMES),
        help="which notebooks to time (the baseline needs over 13 GiB at 10M and fails there)",
    )
    parser.add_argument("--work", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = parser.parse_args()
    daily_sizes = args.sizes if args.daily_sizes is None else args.daily_sizes
    args.work.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}. "
        f"Command: `python bench/run.py {' '.join(sys.argv[1:])}`.",
        "",
        "| customers | contender | wall s | peak MiB | ok | wall vs faster notebook "
        "| peak vs faster notebook |",
        "|---:|---|---:|---:|---|---:|---:|",
    ]
    all_notes = []
    for size in args.sizes:
        results, notes = run_size(
            size,
            args.work,
            history=size in args.history_sizes,
            daily=size in daily_sizes,
            baseline_cap_mib=args.baseline_cap_mib,
            floor_retry_memory=args.floor_retry_memory,
            profile=args.profile,
            notebooks=tuple(name for key, name in NOTEBOOK_NAMES.items() if key in args.notebooks),
        )
        # The faster notebook that finished; a baseline that failed would have needed at least
        # the time and memory it had used, so a ratio against it is an upper bound.
        timed = [results[name] for name in NOTEBOOKS if name in results]
        finished = [result for result in timed if result["ok"]]
        baseline = min(finished or timed, key=lambda r: r["seconds"])
        bound = "" if baseline["ok"] else "<= "
        for name, result in results.items():
            ratio_wall = result["seconds"] / baseline["seconds"]
            ratio_peak = result["peak_mib"] / baseline["peak_mib"]
            lines.append(
                f"| {size:,} | {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} | "
                f"{'yes' if result['ok'] else 'FAILED'} | {bound}{ratio_wall:.2f} | "
                f"{bound}{ratio_peak:.2f} |"
            )
            if not result["ok"]:
                print(f"{name} at {size} failed:\n{result['tail']}", file=sys.stderr)
        all_notes += [f"- {size:,}: {note}" for note in notes]
        print("\n".join(lines[-len(results) :] + all_notes[-len(notes) :]), flush=True)
        # Written after every size, so a long run that stops keeps what it measured.
        text = "\n".join([*lines, "", "Layers of our builds and the floor check:", "", *all_notes])
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

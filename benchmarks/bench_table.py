"""Benchmark of `linnet table` on a Dask cluster against local processes: Table 3.1 (26 rows x 100
instances) with `--jobs 2` and with `--scheduler local --jobs 2` (a LocalCluster of 2 worker
processes), whole commands, in turns, several times; prints each wall clock and CPU time (the
process and all its workers: less sensitive than the wall clock to other work on the machine), the
overhead ratio of the cluster (median, and the spread over the pairs) against the target, and whether
both give the same rows.

Usage: python benchmarks/bench_table.py [--repeats 3] [--samples 100] [--workers 2] [--smoke]

--smoke: one pair of runs of a two-row sweep with 2 instances per row (seconds: a check that the script
runs, not a measurement; the cluster's run needs Dask and is skipped without it).
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The cluster's wall clock may be at most this many times that of local processes.
TARGET_RATIO = 1.3


def linnet_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("linnet")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from linnet_cli.cli.main import main; main()"]


def cpu_of_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


#: The rows of --smoke: a sweep of two small shapes instead of Table 3.1.
SMOKE_ROWS = ["--d", "1", "--dx", "1..2", "--dy", "1", "--no-bkk"]


def timed_table(opts: list[str], samples: int, out: Path) -> tuple[float, float, list[dict]]:
    """Wall clock and CPU time of one `linnet table` (its workers included: they are waited for), and
    its rows (without the time column)."""
    t0, c0 = time.perf_counter(), cpu_of_children()
    subprocess.run(linnet_cmd() + ["table", *opts, "--samples", str(samples), "-q", "--format", "csv", "-o", str(out)],
                   check=True)
    seconds, cpu = time.perf_counter() - t0, cpu_of_children() - c0
    rows = [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(out.open())]
    return seconds, cpu, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="one pair of runs of a two-row sweep, 2 instances per row")
    args = ap.parse_args()
    shape: list[str] = []
    if args.smoke:
        args.repeats, args.samples, shape = 1, 2, SMOKE_ROWS
    jobs = [*shape, "--jobs", str(args.workers)]
    runs = {"--jobs": jobs, "--scheduler local": ["--scheduler", "local", *jobs]}
    if importlib.util.find_spec("distributed") is None:
        print("Dask is not installed (pip install 'linnet-cli[dask]'): only local processes are timed")
        del runs["--scheduler local"]
    print(f"== `linnet table` (Table 3.1, {args.samples} instances per row): {args.workers} processes against a "
          f"LocalCluster of {args.workers} workers, whole commands ==")
    if not args.smoke:   # the BKK column is cached per shape after its first computation: fill the cache first
        subprocess.run(linnet_cmd() + ["bounds"], check=True, stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {k: [] for k in runs}
    cpus: dict[str, list[float]] = {k: [] for k in runs}
    rows: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for label, opts in runs.items():
                seconds, cpu, rows[label] = timed_table(opts, args.samples, Path(tmp) / "t.csv")
                times[label].append(seconds)
                cpus[label].append(cpu)
                print(f"  run {i + 1}: {label:<17} {seconds:6.1f} s wall clock, {cpu:6.1f} s CPU", flush=True)
    for label, ts in times.items():
        print(f"{label:>17}: wall clock median {statistics.median(ts):.1f} s (min {min(ts):.1f}, max {max(ts):.1f}); "
              f"CPU median {statistics.median(cpus[label]):.1f} s")
    if "--scheduler local" not in runs:
        return
    ratios = [c / j for j, c in zip(times["--jobs"], times["--scheduler local"])]
    cpu_ratios = [c / j for j, c in zip(cpus["--jobs"], cpus["--scheduler local"])]
    ratio = statistics.median(ratios)
    print(f"overhead ratio (cluster / processes), wall clock: median {ratio:.2f}, spread {min(ratios):.2f}-"
          f"{max(ratios):.2f} over {len(ratios)} pairs (target <= {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}); CPU time: median {statistics.median(cpu_ratios):.2f}, "
          f"spread {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}")
    same = rows["--jobs"] == rows["--scheduler local"]
    print(f"rows: {'the same' if same else 'DIFFERENT'} from both ({len(rows['--jobs'])} rows)")


if __name__ == "__main__":
    main()

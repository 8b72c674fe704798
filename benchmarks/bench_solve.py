"""Benchmark of `linnet solve` (wall clock of the whole command, start-up included) next to msolve and
PHCpack on the same exact instance, the shapes past Table 3.1, a second solve in the same process, the
cold-cache compilation (the tracker, and its extended-precision kernels where a solve needs them), the full
`linnet table`, and N_C / N_C* of all 26 rows of Table 3.1 over several seeds. Each solve's line shows
its failed paths next to the paths that used extended precision and those the endgame settled.

Usage: python benchmarks/bench_solve.py [--seeds 3] [--no-peers] [--timeout 400] [--skip-rows]
                                        [--skip-table] [--skip-cold] [--skip-again] [--only LABEL] [--smoke]

--smoke: the first shape, one seed, no peers, nothing else (seconds: a check that the script runs).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linnet_cli.checks import peers
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network, parse_widths
from linnet_cli.solver import solve

ROOT = Path(__file__).resolve().parent.parent


#: (label, shape options, widths, m, seeds, expected (N_C, N_C*) or None, target seconds, peers?)
SHAPES = [
    ("d=2 dx=2 dy=2", ["--d", "2", "--dx", "2", "--dy", "2"], "2,2,2", 1, None, (33, 16), 0.6, True),
    ("d=3 dx=2 dy=3 (row 26)", ["--d", "3", "--dx", "2", "--dy", "3"], "2,3,3", 1, None, (245, 64), 1.5, True),
    ("H=2 d=dx=dy=2", ["--d", "2", "--dx", "2", "--dy", "2", "--H", "2"], "2,2,2,2", 1, None, (641, 384), 2.5, True),
    ("widths 2,2,2 m=3", ["--widths", "2,2,2", "--m", "3"], "2,2,2", 3, None, (225, 192), 2.0, True),
    ("widths 2,3,2 m=2", ["--widths", "2,3,2", "--m", "2"], "2,3,2", 2, [1, 2, 3], (1265, 640), 15.0, False),
    ("d=dx=dy=3", ["--d", "3", "--dx", "3", "--dy", "3"], "3,3,3", 1, None, (245, 64), 2.0, False),
    ("d=dx=dy=4 --no-bkk", ["--d", "4", "--dx", "4", "--dy", "4", "--no-bkk"], "4,4,4", 1, None, (1921, 256), 6.0,
     False),
    ("H=3 widths 2,2,2,2,2 --no-bkk", ["--widths", "2,2,2,2,2", "--no-bkk"], "2,2,2,2,2", 1, None, (9985, None), 10.0,
     False),
]


def linnet_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("linnet")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from linnet_cli.cli.main import main; main()"]


def time_linnet(opts: list[str], seed: int, env: dict | None = None) -> tuple[float, dict, str]:
    t0 = time.perf_counter()
    out = subprocess.run(linnet_cmd() + ["solve", *opts, "--seed", str(seed), "--rational", "--format", "json"],
                         capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - t0, json.loads(out.stdout), out.stderr


def time_peer(fn, inst, timeout: float):
    t0 = time.perf_counter()
    try:
        res = fn(inst, timeout=timeout)
        return time.perf_counter() - t0, res
    except peers.PeerTimeout:
        return None, f"> {timeout:.0f} s"
    except peers.PeerError as exc:
        return None, f"error: {str(exc)[:60]}"


def bench_shapes(args) -> None:
    print("== wall clock of `linnet solve` (whole command, warm cache) and peers on the same exact instance ==")
    for label, opts, widths, m, seeds, expect, target, with_peers in SHAPES:
        if args.only and args.only not in label:
            continue
        seeds = seeds or list(range(1, args.seeds + 1))
        for extra, what in (([], "default (trace test)"), (["--no-trace-test"], "--no-trace-test")):
            times, counts = [], []
            for seed in seeds:
                t, data, _ = time_linnet(opts + extra, seed)
                times.append(t)
                counts.append((data["n_complex"], data["n_torus"], data["n_failed"], data["n_extended_precision"],
                               data["n_endgame"], data.get("n_real"), data["completeness"]["overall"]))
            worst = max(times)
            if not extra:
                times_default = times
            ok = expect is None or all(c[0] == expect[0] and (expect[1] is None or c[1] == expect[1]) for c in counts)
            print(f"{label:>30} {what:>21}: {', '.join(f'{t:.2f}' for t in times)} s (seeds {seeds}; target "
                  f"≤ {target} s: {'met' if worst <= target else 'NOT met'})  (N_C, N_C*, failed, extended "
                  f"precision, endgame, N_R, completeness) {counts}{'' if ok else f'  <-- expected {expect}'}")
        if not (args.peers and with_peers):
            continue
        inst = random_instance(parse_widths(widths), m=m, seed=seeds[-1], rational=True)
        for name, find, fn in (("msolve", peers.find_msolve, peers.msolve_counts),
                               ("phc -b", peers.find_phc, peers.phc_counts)):
            if not find():
                print(f"{'':>30}  {name} not installed")
                continue
            t, res = time_peer(fn, inst, args.timeout)
            ratio = f"  ratio {name.split()[0]}/linnet (default, same seed) = {t / times_default[-1]:.2f}" if t else ""
            print(f"{'':>30}  {name} {t if t is None else round(t, 2)} s -> {res}{ratio}")


#: The cold-cache runs: a shape that needs no extended precision, and one whose solve does (seed 1).
COLD_SHAPES = [("d=2 dx=2 dy=2", ["--d", "2", "--dx", "2", "--dy", "2"]),
               ("widths 2,3,2 m=2", ["--widths", "2,3,2", "--m", "2"])]


def bench_cold(args) -> None:
    """The first run on a machine compiles the tracker, its extended-precision kernels (in a second,
    lower-priority child process, on the first solve that needs them) and the mixed-volume kernels (for
    the summary's BKK bound); private numba and BKK cache directories make it cold. Each shape is solved
    cold, then warm, in a cache of its own: the difference is what compilation adds to the first solve."""
    print("\n== cold numba cache: first `linnet solve` on a machine vs the next ==")
    for label, opts in COLD_SHAPES:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, NUMBA_CACHE_DIR=tmp, LINNET_CACHE_DIR=tmp)
            cold, _, err = time_linnet(opts, 1, env)
            warm, data, _ = time_linnet(opts, 1, env)
        notice = [line for line in err.splitlines() if "compiling" in line]
        print(f"{label}: cold {cold:.1f} s, warm {warm:.2f} s: compilation adds {cold - warm:.1f} s (target ≤ 20 s: "
              f"{'met' if cold - warm <= 20 else 'NOT met'}); paths in extended precision: "
              f"{data['n_extended_precision']}; notices on stderr: {notice or 'none'}")


def bench_again(args) -> None:
    """A second `ln.solve` of d = d_x = d_y = 2 in the same process (kernels loaded, imports done): what a
    script or notebook that solves many instances pays per instance, next to msolve on the same one."""
    print("\n== in-process: a second `ln.solve` of d = d_x = d_y = 2 ==")
    net = Network((2, 2, 2))
    times = []
    for seed in range(1, args.seeds + 2):
        inst = random_instance(net, m=1, seed=seed, rational=True)
        t0 = time.perf_counter()
        res = solve(inst, seed=seed, bkk=False)
        times.append(time.perf_counter() - t0)
        assert (res.n_complex, res.n_torus, res.n_failed) == (33, 16, 0), res
    again = min(times[1:])
    line = f"first {times[0]:.2f} s, then {', '.join(f'{t:.3f}' for t in times[1:])} s"
    if args.peers and peers.find_msolve():
        t, _ = time_peer(peers.msolve_counts, random_instance(net, m=1, seed=1, rational=True), args.timeout)
        line += f"; msolve {t:.3f} s: ratio msolve/linnet (second solve) = {t / again:.2f}" if t else "; msolve failed"
    print(line)


def bench_table(args) -> None:
    print("\n== `linnet table` (Table 3.1: 26 rows x 100 instances, 2 jobs, BKK cached) ==")
    # fill the BKK cache
    subprocess.run(linnet_cmd() + ["bounds", "-q", "--format", "csv"], capture_output=True, check=True)
    t0 = time.perf_counter()
    out = subprocess.run(linnet_cmd() + ["table", "--jobs", "2", "-q", "--format", "json"],
                         capture_output=True, text=True, check=True)
    t = time.perf_counter() - t0
    run = json.loads(out.stdout)
    failed = sum(int(r["failed_paths"] or 0) for r in run["rows"])
    print(f"{t:.1f} s (target ≤ 15 s: {'met' if t <= 15 else 'NOT met'}); {run['reproduced']} of {run['compared']} "
          f"published values reproduced; failed paths {failed}")


def bench_rows(args) -> None:
    print(f"\n== N_C and N_C* of Table 3.1, {args.seeds} seeds per row (library calls) ==")
    rows = list(csv.DictReader((ROOT / "configs" / "table-3.1-published.tsv").open(), delimiter="\t"))
    bad = 0
    t_all = time.perf_counter()
    for r in rows:
        net = Network.uniform(int(r["d"]), int(r["dx"]), int(r["dy"]))
        got = []
        t0 = time.perf_counter()
        for seed in range(args.seeds):
            res = solve(random_instance(net, seed=seed), seed=seed)
            got.append((res.n_complex, res.n_torus, res.n_failed))
        ok = all(g == (int(r["NC"]), int(r["NCstar"]), 0) for g in got)
        bad += not ok
        print(f"row {r['no']:>2} d={r['d']} dx={r['dx']} dy={r['dy']}: {got}  published ({r['NC']}, {r['NCstar']})"
              f"  {(time.perf_counter() - t0) / args.seeds:.2f} s/solve  {'ok' if ok else 'MISMATCH'}")
    print(f"{26 - bad} of 26 rows reproduced with zero failed paths for every seed "
          f"({time.perf_counter() - t_all:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--peers", dest="peers", action="store_true", default=True)
    ap.add_argument("--no-peers", dest="peers", action="store_false")
    ap.add_argument("--timeout", type=float, default=400.0)
    ap.add_argument("--only", default=None, help="time only the shapes whose label contains this text")
    for part in ("rows", "table", "cold", "again"):
        ap.add_argument(f"--skip-{part}", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="the first shape, one seed, no peers, nothing else")
    args = ap.parse_args()
    if args.smoke:
        args.seeds, args.peers, args.only = 1, False, SHAPES[0][0]
        args.skip_rows = args.skip_table = args.skip_cold = args.skip_again = True
    bench_shapes(args)
    if not args.skip_again:
        bench_again(args)
    if not args.skip_cold:
        bench_cold(args)
    if not args.skip_table:
        bench_table(args)
    if not args.skip_rows:
        bench_rows(args)


if __name__ == "__main__":
    main()

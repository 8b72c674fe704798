"""Benchmark of `linnet solve` (wall clock of the whole command, start-up included) next to msolve and
PHCpack on the same exact instance, plus N_C / N_C* of all 26 rows of Table 3.1 over several seeds.

Usage: python benchmarks/bench_solve.py [--seeds 3] [--peers/--no-peers] [--timeout 400] [--skip-rows]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from linnet_cli import peers
from linnet_cli.instance import random_instance
from linnet_cli.network import Network, parse_widths
from linnet_cli.solve import solve

ROOT = Path(__file__).resolve().parent.parent
#: (label, shape options, widths) of the timed shapes
SHAPES = [("d=2 dx=2 dy=2", ["--d", "2", "--dx", "2", "--dy", "2"], "2,2,2"),
          ("d=3 dx=2 dy=3", ["--d", "3", "--dx", "2", "--dy", "3"], "2,3,3"),
          ("H=2 d=dx=dy=2", ["--d", "2", "--dx", "2", "--dy", "2", "--H", "2"], "2,2,2,2")]


def linnet_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("linnet")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "linnet_cli.cli"]


def time_linnet(opts: list[str], seed: int) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = subprocess.run(linnet_cmd() + ["solve", *opts, "--seed", str(seed), "--rational", "--format", "json", "-q"],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(out.stdout)


def time_peer(fn, inst, timeout: float):
    t0 = time.perf_counter()
    try:
        res = fn(inst, timeout=timeout)
        return time.perf_counter() - t0, res
    except peers.PeerTimeout:
        return None, f"> {timeout:.0f} s"
    except peers.PeerError as exc:
        return None, f"error: {str(exc)[:60]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--peers", dest="peers", action="store_true", default=True)
    ap.add_argument("--no-peers", dest="peers", action="store_false")
    ap.add_argument("--timeout", type=float, default=400.0)
    ap.add_argument("--skip-rows", action="store_true", help="skip the 26-row count check")
    args = ap.parse_args()

    print("== wall clock of `linnet solve` (whole command) and peers on the same exact instance ==")
    for label, opts, widths in SHAPES:
        times, data = [], None
        for seed in range(args.seeds):
            t, data = time_linnet(opts, seed)
            times.append(t)
        best = min(times)
        print(f"{label:>15}: linnet {best:6.2f} s (best of {args.seeds}; all {', '.join(f'{t:.2f}' for t in times)})"
              f"  N_C={data['n_complex']} N_C*={data['n_torus']} N_R={data['n_real']}"
              f" paths={data['paths_tracked']} failed={data['n_failed']}")
        if not args.peers:
            continue
        inst = random_instance(parse_widths(widths), seed=args.seeds - 1, rational=True)
        if peers.find_msolve():
            t, res = time_peer(peers.msolve_counts, inst, args.timeout)
            ratio = f"  ratio msolve/linnet = {t / best:.1f}" if t else ""
            print(f"{'':>15}  msolve {t if t is None else round(t, 2)} s -> {res}{ratio}")
        else:
            print(f"{'':>15}  msolve not installed")
        if peers.find_phc():
            t, res = time_peer(peers.phc_counts, inst, args.timeout)
            ratio = f"  ratio phc/linnet = {t / best:.1f}" if t else ""
            print(f"{'':>15}  phc -b {t if t is None else round(t, 2)} s -> {res}{ratio}")
        else:
            print(f"{'':>15}  PHCpack not installed")

    if args.skip_rows:
        return
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


if __name__ == "__main__":
    main()

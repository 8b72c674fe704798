"""Stress test of whole solves: N_C and N_C* of a shape over several numbers of data points and seeds.

For d_x ≤ m the count of a shape does not depend on m (the data enter through X Xᵀ and Y Xᵀ, which are
generic for every m ≥ d_x), so one shape solved for m = 3, 5, 50 must give one count; a count that varies
with m or the seed means a solve stopped early. Every solve also reports its completeness evidence.
Usage: python benchmarks/stress_counts.py [--widths 3,2,3] [--m 3 5 50] [--seeds 1 2 3] [--no-trace-test]
                                          [--smoke]
(--smoke: widths 1,1,1 for m = 1, 2 and seed 1: seconds, a check that the script runs)
"""
from __future__ import annotations

import argparse
import time

import linnet_cli as ln


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="3,2,3")
    ap.add_argument("--m", type=int, nargs="+", default=[3, 5, 50])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--no-trace-test", dest="trace_test", action="store_false")
    ap.add_argument("--smoke", action="store_true", help="widths 1,1,1, m = 1, 2, seed 1")
    args = ap.parse_args()
    if args.smoke:
        args.widths, args.m, args.seeds = "1,1,1", [1, 2], [1]
    net = ln.Network(tuple(int(w) for w in args.widths.split(",")))
    counts = set()
    print(f"{'m':>4} {'seed':>5} {'N_C':>6} {'N_C*':>6} {'failed':>6} {'loops not closed':>16} "
          f"{'seconds':>8}  completeness")
    for m in args.m:
        for seed in args.seeds:
            t0 = time.perf_counter()
            res = ln.solve(net, m=m, seed=seed, trace_test=args.trace_test, bkk=False)
            counts.add((res.n_complex, res.n_torus))
            print(f"{m:>4} {seed:>5} {res.n_complex:>6} {res.n_torus:>6} {res.n_failed:>6} "
                  f"{res.monodromy_failed_loops:>16} {time.perf_counter() - t0:>8.1f}  "
                  f"{res.completeness.describe()}", flush=True)
            for part in res.completeness.parts:
                if part.reason:
                    print(f"{'':>14}widths {','.join(map(str, part.widths))}: {part.reason}", flush=True)
    verdict = "one count" if len(counts) == 1 else f"INCONSISTENT: {sorted(counts)}"
    print(f"widths {net.text}, m in {args.m}, seeds {args.seeds}: {verdict}")


if __name__ == "__main__":
    main()

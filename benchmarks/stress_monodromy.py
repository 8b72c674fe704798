"""Stress test of the monodromy stop rule: torus counts of sub-networks over many seeds.

A count that varies with the seed means the stop rule ended too early for some seed. By default every
monodromy is checked by the trace test (which decides when it stops); --no-trace-test uses the
heuristic stop rule alone.
Usage: python benchmarks/stress_monodromy.py [--seeds 20] [--shapes 1,1,1,1 2,1,1,2 ...] [--m 1]
                                             [--no-trace-test] [--smoke]
(--smoke: two small shapes, two seeds: seconds, a check that the script runs)
"""
from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from linnet_cli.engines.native import trace_verifier
from linnet_cli.homotopy.monodromy import monodromy_solve
from linnet_cli.model.network import Network

DEFAULT_SHAPES = ["1,1,1", "1,1,1,1", "2,1,1,2", "2,1,2,2", "2,2,2", "2,3,3", "2,2,3", "2,2,2,2", "1,1,1,1,1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--m", type=int, default=1)
    ap.add_argument("--shapes", nargs="*", default=DEFAULT_SHAPES)
    ap.add_argument("--no-trace-test", dest="trace_test", action="store_false")
    ap.add_argument("--smoke", action="store_true", help="shapes 1,1,1 and 1,1,1,1, two seeds")
    args = ap.parse_args()
    if args.smoke:
        args.seeds, args.shapes = 2, ["1,1,1", "1,1,1,1"]
    bad = 0
    for shape in args.shapes:
        net = Network(tuple(int(v) for v in shape.split(",")))
        counts: Counter[int] = Counter()
        verified: Counter[bool] = Counter()
        failed = 0
        t0 = time.perf_counter()
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            X = rng.normal(size=(net.dx, args.m))
            Y = rng.normal(size=(net.dy, args.m))
            verify = trace_verifier(net, X, Y, rng) if args.trace_test else None
            sol = monodromy_solve(net, X, Y, rng, verify=verify)
            counts[sol.count] += 1
            verified[bool(sol.verification is not None and sol.verification.passed) or not sol.dominant] += 1
            failed += sum(sol.failed_paths.values())
        dt = (time.perf_counter() - t0) / args.seeds
        verdict = "consistent" if len(counts) == 1 else "INCONSISTENT"
        bad += len(counts) != 1
        trace = f"  trace test passed {verified[True]}/{args.seeds}" if args.trace_test else ""
        print(f"{shape:>12} m={args.m}: counts {dict(counts)}{trace}  loops not closed {failed}  {dt:.2f} s/seed  "
              f"{verdict}")
    print(f"{bad} inconsistent shape(s)")


if __name__ == "__main__":
    main()

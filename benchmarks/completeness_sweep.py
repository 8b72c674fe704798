"""Completeness evidence of whole solves over several seeds: the shapes of the test suite that are
cross-checked against Singular or msolve, widths 2,3,2 with m = 2, and the rows of Table 3.1.

Every solve should report `trace test` (or `rank test` / `proven`); anything else is listed with its
reason. Usage: python benchmarks/completeness_sweep.py [--seeds 1 2 3] [--no-rows] [--smoke]
(--smoke: the first two shapes, seed 1, no rows: seconds, a check that the script runs)
"""
from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

import linnet_cli as ln

#: (widths, m): tests/test_solve.py's cross-checked shapes and widths 2,3,2 with m = 2
SHAPES = [((1, 1, 1, 1), 1), ((2, 3, 1, 2), 1), ((2, 1, 2), 2), ((1, 2, 1, 1), 1), ((2, 1, 2, 1, 2), 1),
          ((1, 1, 1, 1, 1), 1), ((2, 2, 2), 2), ((2, 2, 2), 1), ((1, 1, 3), 1), ((2, 3, 2), 2)]
VERIFIED = {"trace test", "rank test", "proven"}
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--no-rows", dest="rows", action="store_false")
    ap.add_argument("--smoke", action="store_true", help="the first two shapes, seed 1, no rows")
    args = ap.parse_args()
    shapes = [(ln.Network(w), m) for w, m in SHAPES]
    if args.smoke:
        shapes, args.seeds, args.rows = shapes[:2], [1], False
    if args.rows:
        with (ROOT / "configs" / "table-3.1-published.tsv").open() as fh:     # the rows' shapes
            shapes += [(ln.Network.uniform(int(r["d"]), int(r["dx"]), int(r["dy"])), 1)
                       for r in csv.DictReader(fh, delimiter="\t")]
    t0, tally, bad = time.perf_counter(), Counter(), 0
    for net, m in shapes:
        seen = Counter()
        for seed in args.seeds:
            res = ln.solve(net, m=m, seed=seed, bkk=False)
            status = res.completeness.overall.value
            seen[status] += 1
            if status not in VERIFIED:
                bad += 1
                why = "; ".join(f"{','.join(map(str, p.widths))}: {p.reason}"
                                for p in res.completeness.parts if p.reason)
                print(f"  widths {net.text} m={m} seed {seed}: {status} (N_C {res.n_complex}, failed "
                      f"{res.n_failed}) {why}", flush=True)
        tally.update(seen)
        print(f"widths {net.text:>12} m={m}: {dict(seen)}", flush=True)
    print(f"{sum(tally.values())} solves in {time.perf_counter() - t0:.0f} s: {dict(tally)}; {bad} not verified")


if __name__ == "__main__":
    main()

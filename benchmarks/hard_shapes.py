"""The hard shapes: where double precision runs out. Each row is solved on several seeds as a whole
command (``linnet solve … --format json``), and must end verified with no failed path within the time
limit; the seeds of one shape must agree on N_C and N_C*.

Each line prints the shape, seed, N_C / N_C*, failed paths, path trackings that used extended precision,
paths the endgame settled, the wall time of the whole command and the completeness.
Usage: python benchmarks/hard_shapes.py [--seeds 1 2 3] [--timeout 60] [--smoke]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

#: (widths, m, extra options): the rows that ended "not verified" or lost paths in double precision.
SHAPES: list[tuple[str, int, tuple[str, ...]]] = [
    ("2,2,2,2", 2, ()), ("2,2,3", 2, ()), ("3,2,3", 3, ()), ("3,2,3", 50, ()), ("3,3,3,3", 1, ("--no-bkk",)),
    ("2,1,4,1,2", 2, ()), ("3,2,1,4", 2, ()), ("3,1,1,2,3", 3, ()), ("4,4,4", 1, ()),
]
#: The smoke mode's shape: seconds, for the test suite.
SMOKE: list[tuple[str, int, tuple[str, ...]]] = [("2,1,4,1,2", 2, ())]
#: Counts known from earlier verified runs, compared with (seeds must agree everywhere): N_C of widths
#: 3,2,3 does not depend on m ≥ d_x.
EXPECTED = {("2,2,2,2", 2): 13441, ("3,2,3", 3): 2537, ("3,2,3", 50): 2537}


def solve(widths: str, m: int, seed: int, extra: tuple[str, ...], timeout: float) -> tuple[dict | None, float]:
    cmd = [sys.executable, "-c", "from linnet_cli.cli.main import main; main()", "solve", "--widths", widths,
           "--m", str(m), "--seed", str(seed), "--format", "json", "-q", "--no-bkk", *extra]
    t0 = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0
    sec = time.perf_counter() - t0
    if out.returncode != 0:
        print(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
        return None, sec
    return json.loads(out.stdout), sec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per whole command")
    ap.add_argument("--smoke", action="store_true", help="one quick shape and seed, for the test suite")
    args = ap.parse_args()
    shapes, seeds = (SMOKE, [1]) if args.smoke else (SHAPES, args.seeds)
    good = total = 0
    print(f"{'widths':<10} {'m':>3} {'seed':>4} {'N_C':>7} {'N_C*':>7} {'failed':>6} {'extended':>8} {'endgame':>7} "
          f"{'seconds':>8}  completeness")
    for widths, m, extra in shapes:
        counts = set()
        for seed in seeds:
            total += 1
            out, sec = solve(widths, m, seed, tuple(a for a in extra if a != "--no-bkk"), args.timeout)
            if out is None:
                print(f"{widths:<10} {m:>3} {seed:>4} {'—':>7} {'—':>7} {'—':>6} {'—':>8} {'—':>7} {sec:>8.1f}  "
                      f"{'timed out' if sec >= args.timeout else 'error'}", flush=True)
                continue
            level = out["completeness"]["overall"]
            ok = out["n_failed"] == 0 and level in ("trace test", "rank test", "parameter homotopy", "exact") \
                and sec <= args.timeout
            good += ok
            counts.add((out["n_complex"], out["n_torus"]))
            print(f"{widths:<10} {m:>3} {seed:>4} {out['n_complex']:>7} {out['n_torus']:>7} {out['n_failed']:>6} "
                  f"{out['n_extended_precision']:>8} {out['n_endgame']:>7} {sec:>8.1f}  {level}"
                  f"{'' if ok else '  (not settled)'}", flush=True)
        want = EXPECTED.get((widths, m))
        verdict = ("seeds agree" if len(counts) == 1 else f"SEEDS DISAGREE: {sorted(counts)}") if counts else "no count"
        if want is not None and counts and {c[0] for c in counts} != {want}:
            verdict += f"; EXPECTED N_C = {want}"
        print(f"  widths {widths}, m = {m}: {verdict}", flush=True)
    print(f"{good} of {total} solves verified with no failed path within {args.timeout:.0f} s")


if __name__ == "__main__":
    main()

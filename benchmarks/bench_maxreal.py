"""Benchmark of the search for the most real critical points (`linnet maxreal`).

1. Search against sampling on one row (default: Table 3.1 row 26, d = 3, d_x = 2, d_y = 3, seed 31,
   target 27), in one run: the time sampling random instances takes until one has at least TARGET
   real critical points (generic solve included, instances drawn as `linnet table` draws them), the
   time the search takes to reach TARGET (its 100 sampled instances and the generic solve included),
   and their ratio. The search's record instance is certified, saved, and solved afresh with
   `linnet solve --data`.
2. Records of a fixed budget on rows of a table (default: rows 13-26 of Table 3.1), written to
   benchmarks/maxreal-<table>.csv with one instance file per row in benchmarks/maxreal-instances/,
   each solved afresh to check that it reproduces its count.

Usage: python benchmarks/bench_maxreal.py [--seed 31] [--jobs 1] [--target 27] [--max-samples 5000]
       [--budget 320] [--table configs/table-3.1.toml] [--rows 13..26] [--skip-compare] [--skip-rows]
       [--out-dir benchmarks] [--smoke]

--smoke runs both parts on rows 1-2 of Table 3.1 with a few candidates and writes to a temporary
directory (seconds: a check that the script runs, not a measurement).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from linnet_cli.model.classify import real_mask
from linnet_cli.engines import get_engine
from linnet_cli.model.instance import load_instance, random_instance
from linnet_cli.studies.maxreal import max_real
from linnet_cli.model.network import parse_range
from linnet_cli.solver import solve
from linnet_cli.cost import instance_batch
from linnet_cli.studies.rows import RowSpec, row_seed
from linnet_cli.studies.spec import load_table_spec

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"


def shown(path: Path) -> str:
    """A path as printed and recorded: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def linnet_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("linnet")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from linnet_cli.cli.main import main; main()"]


def sample_until(row: RowSpec, seed: int, target: int, max_samples: int) -> tuple[int | None, int, float, int]:
    """(samples needed to reach ``target`` real points or None, best N_R, seconds, N_C), drawing the
    instances of `linnet table` for this seed, batch by batch."""
    t0 = time.perf_counter()
    eng = get_engine("native")
    ss = row_seed(seed, row)
    solver_seed, inst_seed = ss.spawn(2)
    generic = eng.generic_solve(row.network, row.m, np.random.default_rng(solver_seed))
    n_c = generic.n_complex
    seeds = inst_seed.generate_state(max_samples, dtype=np.uint32)
    best = 0
    size = instance_batch(n_c, row.network.N, max_samples)     # as `linnet table` batches them
    for start in range(0, max_samples, size):
        batch = [random_instance(row.network, row.m, seed=int(s)) for s in seeds[start:start + size]]
        for k, raw in enumerate(eng.track_instances(generic, batch)):
            best = max(best, int(real_mask(raw.points).sum()))
            if best >= target:
                return start + k + 1, best, time.perf_counter() - t0, n_c
        print(f"  sampling: {start + len(batch)} instances, max N_R {best}, {time.perf_counter() - t0:.0f} s",
              flush=True)
    return None, best, time.perf_counter() - t0, n_c


def solve_again(path: Path) -> dict:
    """`linnet solve --data FILE` on a saved instance (a fresh monodromy solve): its counts."""
    out = subprocess.run(linnet_cmd() + ["solve", "--data", str(path), "--seed", "1", "--no-bkk", "--format", "json",
                                         "-q"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def compare(spec, table_name: str, row_no: int, seed: int, target: int, max_samples: int, jobs: int) -> None:
    row = spec.rows[row_no - 1]
    print(f"== row {row_no} ({row.network.label()}): time to reach N_R >= {target}, seed {seed}, jobs {jobs} ==")
    t0 = time.perf_counter()
    res = max_real(row.network, row.m, samples=100, budget=1_000_000, seed=seed, target=target, jobs=jobs,
                   certify=True)
    reached = next((s for c, s, r in res.history if r >= target), None)
    print(f"search: record {res.record} (sampled {res.sampled_max} of 100), reached {target} after "
          f"{res.candidates} candidates in {reached:.1f} s (whole run {time.perf_counter() - t0:.1f} s, "
          f"generic solve and sampling {res.sampling_seconds:.1f} s); "
          f"certified real {res.certification.n_certified_real} of {res.record}")
    path = OUT / "maxreal-instances" / f"{table_name}-row-{row_no}-first-{target}.json"
    atomic_write(path, json.dumps(res.instance.to_dict(), indent=1))
    again = solve_again(path)
    print(f"linnet solve --data {shown(path)}: N_R = {again['n_real']}, N_C = {again['n_complex']}, "
          f"failed paths {again['n_failed']}")
    n, best, secs, n_c = sample_until(row, seed, target, max_samples)
    if n is None:
        print(f"sampling: max N_R {best} after {max_samples} instances, {secs:.1f} s (target not reached)")
        print(f"ratio sampling / search > {secs / reached:.1f} (sampling stopped at --max-samples)")
    else:
        print(f"sampling: N_R {best} at instance {n}, after {secs:.1f} s")
        print(f"ratio sampling / search = {secs / reached:.1f}")


def records(spec, table_name: str, rows: list[int], seed: int, budget: int, jobs: int) -> None:
    print(f"== records of a budget of {budget} candidates on rows {rows[0]}..{rows[-1]} of {spec.title} ==")
    out_rows = []
    for no in rows:
        row = spec.rows[no - 1]
        res = max_real(row.network, row.m, samples=100, budget=budget, seed=seed, jobs=jobs, certify=True)
        path = OUT / "maxreal-instances" / f"{table_name}-row-{no}.json"
        atomic_write(path, json.dumps(res.instance.to_dict(), indent=1))
        inst = load_instance(path)
        again = solve(inst, seed=1)
        pub = spec.published.get(row.key, {}).get("maxNR")
        rec = {"row": no, "widths": ",".join(map(str, row.network.widths)), "d": row.network.d, "dx": row.network.dx,
               "dy": row.network.dy, "H": row.network.H, "m": row.m, "N_C": res.n_complex,
               "published_max_N_R": pub, "sampled_max_N_R": res.sampled_max, "record_N_R": res.record,
               "certified_real": res.certification.n_certified_real, "solve_N_R": again.n_real,
               "record_at_least_published": None if pub is None else res.record >= pub,
               "found_by": res.found_by, "candidates": res.candidates, "seconds": round(res.seconds, 1),
               "seed": seed, "instance": shown(path)}
        out_rows.append(rec)
        print(", ".join(f"{k} {v}" for k, v in rec.items() if k not in ("widths", "H", "m", "seed")), flush=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(out_rows[0]))
    w.writeheader()
    w.writerows(out_rows)
    target = OUT / f"maxreal-{table_name}.csv"
    atomic_write(target, buf.getvalue())
    ok = sum(r["record_at_least_published"] is True for r in out_rows)
    print(f"record >= published max N_R on {ok} of {sum(r['published_max_N_R'] is not None for r in out_rows)} rows; "
          f"written to {shown(target)}")


def main() -> None:
    global OUT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=31, help="master seed (31: the seed of configs/table-3.1.toml)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--table", default=str(ROOT / "configs" / "table-3.1.toml"))
    ap.add_argument("--compare-row", type=int, default=26)
    ap.add_argument("--target", type=int, default=27)
    ap.add_argument("--max-samples", type=int, default=5000)
    ap.add_argument("--rows", default="13..26")
    ap.add_argument("--budget", type=int, default=320)
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--skip-rows", action="store_true")
    ap.add_argument("--out-dir", default=str(OUT), help="where the csv and the record instances go")
    ap.add_argument("--smoke", action="store_true",
                    help="rows 1-2 of Table 3.1, a few candidates, output to a temporary directory (seconds)")
    args = ap.parse_args()
    if args.smoke:
        args.table, args.compare_row, args.target, args.max_samples = str(ROOT / "configs" / "table-3.1.toml"), 1, 3, 50
        args.rows, args.budget = "1..2", 8
        if args.out_dir == str(OUT):
            args.out_dir = tempfile.mkdtemp(prefix="bench-maxreal-smoke-")
    OUT = Path(args.out_dir)
    spec = load_table_spec(args.table)
    table_name = Path(args.table).stem
    if not args.skip_compare:
        compare(spec, table_name, args.compare_row, args.seed, args.target, args.max_samples, args.jobs)
    if not args.skip_rows:
        records(spec, table_name, parse_range(args.rows, "rows"), args.seed, args.budget, args.jobs)


if __name__ == "__main__":
    main()

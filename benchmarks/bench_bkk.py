"""Time the BKK column of Table 3.1 (mixed volumes with the origin added) against peer programs.

For every selected row the same supports go through linnet's ``mixed_volume`` and, when installed,
``gfan _mixedvolume`` (polynomials with coefficient 1 on stdin) and PHCpack's ``phc -m`` (its
MixedVol algorithm, driven through its menu); every value is checked against linnet's and the
published one.

    python benchmarks/bench_bkk.py                      # all 26 rows, with peers
    python benchmarks/bench_bkk.py --rows 18-26 --timeout 60
    python benchmarks/bench_bkk.py --no-peers
"""
from __future__ import annotations

import argparse
import csv
import itertools
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import linnet_cli.mixed_volume as mvmod  # noqa: E402
from linnet_cli.mixed_volume import mixed_volume  # noqa: E402
from linnet_cli.network import Network  # noqa: E402
from linnet_cli.symbolic import generic_supports  # noqa: E402

PUBLISHED = ROOT / "configs" / "table-3.1-published.tsv"
#: Answers to ``phc -m``'s menu: MixedVol algorithm, no random coefficient system, no stable
#: mixed volume, no separate cell file.
PHC_MIXEDVOL_ANSWERS = "4\n0\nn\nn\n"


def parse_rows(text: str) -> list[int]:
    """``1-26``, ``5`` or ``1,3,7-9``."""
    rows: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(p) for p in part.split("-"))
            rows.update(range(lo, hi + 1))
        elif part:
            rows.add(int(part))
    return sorted(rows)


def table_rows() -> list[dict[str, int]]:
    with PUBLISHED.open() as fh:
        return [{k: int(v) for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]


def supports_with_origin(network: Network) -> list[np.ndarray]:
    n = network.N
    return [s if np.any(np.all(s == 0, axis=1)) else np.vstack([np.zeros((1, n), np.int64), s])
            for s in (np.asarray(e, dtype=np.int64) for e in generic_supports(network))]


def variable_names(n: int) -> list[str]:
    """Names of equal length made of letters only: no name is a prefix of another (gfan's parser
    reads ``x1^1*x10`` wrongly) and none contains PHCpack's reserved ``e``/``i``."""
    letters = [c for c in string.ascii_lowercase if c not in "ei"]
    width = 1
    while len(letters) ** width < n:
        width += 1
    return ["v" + "".join(t) for t in itertools.islice(itertools.product(letters, repeat=width), n)]


def polynomials(supports: list[np.ndarray]) -> list[str]:
    """Each support as a polynomial with all coefficients 1."""
    names = variable_names(supports[0].shape[1])
    out = []
    for s in supports:
        terms = ["*".join(f"{names[v]}^{e}" if e > 1 else names[v] for v, e in enumerate(row) if e) or "1"
                 for row in s]
        out.append(" + ".join(terms))
    return out


def run_gfan(supports: list[np.ndarray], timeout: float) -> tuple[int | None, float | None, str]:
    names = variable_names(supports[0].shape[1])
    text = "Q[" + ",".join(names) + "]{" + ",\n".join(polynomials(supports)) + "}\n"
    t = time.perf_counter()
    try:
        out = subprocess.run(["gfan", "_mixedvolume"], input=text, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, "timeout"
    dt = time.perf_counter() - t
    lines = out.stdout.strip().split()
    if out.returncode != 0 or not lines or not lines[-1].isdigit():
        return None, dt, f"failed: {out.stderr.strip()[-120:]}"
    return int(lines[-1]), dt, ""


def run_phc(supports: list[np.ndarray], timeout: float) -> tuple[int | None, float | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "system.phc", Path(tmp) / "system.out"
        inp.write_text(f"{len(supports)}\n" + "".join(f" {p};\n" for p in polynomials(supports)))
        t = time.perf_counter()
        try:
            proc = subprocess.run(["phc", "-m", str(inp), str(outp)], input=PHC_MIXEDVOL_ANSWERS,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, "timeout"
        dt = time.perf_counter() - t
        found = re.findall(r"mixed volume\s*:\s*(\d+)", outp.read_text() if outp.exists() else "")
        if proc.returncode != 0 or not found:
            return None, dt, "failed"
        return int(found[-1]), dt, ""


def fmt(x: float | None, spec: str = "8.3f") -> str:
    return format(x, spec) if x is not None else " " * (int(spec.split(".")[0]) - 1) + "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1-26", help="rows of Table 3.1, e.g. 1-26 or 1,5,20-26")
    ap.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True,
                    help="also run gfan and phc when installed")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per peer call")
    args = ap.parse_args(argv)

    wanted = set(parse_rows(args.rows))
    rows = [r for r in table_rows() if r["no"] in wanted]
    peers: dict[str, object] = {}
    if args.peers:
        for name, runner in (("gfan", run_gfan), ("phc", run_phc)):
            if shutil.which(name):
                peers[name] = runner
            else:
                print(f"{name}: not installed, skipped")
    # the first calls compile the kernels (or load them from the on-disk cache): not part of a
    # row; the parallel path is forced once so that its kernels are ready too
    t = time.perf_counter()
    saved = mvmod.PARALLEL_MIN
    mvmod.PARALLEL_MIN = 1
    try:
        mixed_volume([np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])] * 3)
    finally:
        mvmod.PARALLEL_MIN = saved
    print(f"linnet kernel compile/load: {time.perf_counter() - t:.2f} s")
    if "phc" in peers:
        print("phc: phc -m with MixedVol (menu answers piped in)")
    print(f"peer timeout: {args.timeout:g} s per call\n")

    head = f"{'no':>3} {'N':>3} {'BKK':>9} {'linnet s':>9}"
    for name in peers:
        head += f" {name + ' s':>9} {name + '/linnet':>12}"
    print(head + "  check")
    totals = {"linnet": 0.0, **{name: 0.0 for name in peers}}
    paired = {name: 0.0 for name in peers}  # linnet time over the rows each peer finished
    ok_all = True
    for r in rows:
        net = Network.uniform(r["d"], r["dx"], r["dy"])
        sups = supports_with_origin(net)
        t = time.perf_counter()
        value = mixed_volume(sups)
        t_lin = time.perf_counter() - t
        totals["linnet"] += t_lin
        line = f"{r['no']:>3} {net.N:>3} {value:>9} {t_lin:>9.3f}"
        notes = [] if value == r["BKK"] else [f"published {r['BKK']}"]
        for name, runner in peers.items():
            pv, pt, msg = runner(sups, args.timeout)  # type: ignore[operator]
            ratio = pt / t_lin if pt is not None and t_lin > 0 else None
            line += f" {fmt(pt, '9.3f')} {fmt(ratio, '12.1f')}"
            if pv is not None and pt is not None:
                totals[name] += pt
                paired[name] += t_lin
                if pv != value:
                    notes.append(f"{name} says {pv}")
            else:
                notes.append(f"{name} {msg}")
        ok_all &= value == r["BKK"] and not any("says" in n for n in notes)
        print(line + "  " + ("ok" if not notes else "; ".join(notes)), flush=True)

    print(f"\ntotal linnet: {totals['linnet']:.2f} s over {len(rows)} rows")
    for name in peers:
        if paired[name] > 0:
            print(f"total {name}: {totals[name]:.2f} s on the rows it finished "
                  f"(linnet {paired[name]:.2f} s there, ratio {totals[name] / paired[name]:.1f})")
        else:
            print(f"total {name}: no row finished")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())

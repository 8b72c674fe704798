"""Time linnet's mixed volumes (the BKK columns) against peer programs on the same supports.

Sets of shapes:

* ``table-3.1``: the BKK column of Table 3.1 (origin added to every support), checked against the
  published values in ``configs/table-3.1-published.tsv``;
* ``table-3.2``: the H = 2 shapes of the thesis's Table 3.2 (d, d_x, d_y up to 3, 3, 2; N up to 15);
* ``large``: d = d_x = d_y = 3 (N = 18).

Past Table 3.1 both BKK columns are timed: BKK (origin added) and BKK* (torus only).

Every set runs linnet's ``mixed_volume`` and, when installed, ``gfan _mixedvolume`` (polynomials
with coefficient 1 on stdin) and PHCpack's ``phc -m`` (its MixedVol algorithm, driven through its
menu; skipped above ``--phc-max-n`` variables, where it takes far longer than the timeout). Every
value is checked against linnet's (and the published one where there is one); the ratio columns
are peer time / linnet time.

    python benchmarks/bench_bkk.py                              # table-3.1, with peers
    python benchmarks/bench_bkk.py --set table-3.2 --set large  # the shapes past Table 3.1
    python benchmarks/bench_bkk.py --set table-3.1 --rows 18-26 --timeout 60
    python benchmarks/bench_bkk.py --set all --no-peers
    python benchmarks/bench_bkk.py --smoke       # rows 1-5 of Table 3.1, no peers (seconds)
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linnet_cli.checks.mixed_volume import mixed_volume  # noqa: E402
from linnet_cli.model.network import Network  # noqa: E402
from linnet_cli.model.symbolic import generic_supports  # noqa: E402

PUBLISHED = ROOT / "configs" / "table-3.1-published.tsv"
#: The H = 2 shapes (d, d_x, d_y) of the thesis's Table 3.2.
TABLE_32_SHAPES = [(1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 1, 2), (1, 2, 2), (1, 3, 2),
                   (2, 1, 1), (2, 2, 1), (2, 3, 1), (2, 1, 2), (2, 2, 2), (3, 1, 1)]
SETS = ("table-3.1", "table-3.2", "large")
#: Answers to ``phc -m``'s menu: MixedVol algorithm, no random coefficient system, no stable
#: mixed volume, no separate cell file.
PHC_MIXEDVOL_ANSWERS = "4\n0\nn\nn\n"


@dataclass
class Case:
    """One mixed volume to time: a label, its supports and the published value if any."""

    label: str
    supports: list[np.ndarray]
    published: int | None = None


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


def supports(network: Network, origin: bool) -> list[np.ndarray]:
    """The gradient system's supports, with the origin added to each when ``origin``."""
    n = network.N
    sups = [np.asarray(e, dtype=np.int64) for e in generic_supports(network)]
    if not origin:
        return sups
    return [s if np.any(np.all(s == 0, axis=1)) else np.vstack([np.zeros((1, n), np.int64), s]) for s in sups]


def cases(name: str, rows: list[int]) -> list[Case]:
    if name == "table-3.1":
        return [Case(f"3.1 row {r['no']}", supports(Network.uniform(r["d"], r["dx"], r["dy"]), True), r["BKK"])
                for r in table_rows() if r["no"] in rows]
    shapes = [Network.uniform(d, dx, dy, H=2) for d, dx, dy in TABLE_32_SHAPES] if name == "table-3.2" \
        else [Network.uniform(3, 3, 3)]
    return [Case(f"{net.label()} {column}", supports(net, column == "BKK"))
            for net in shapes for column in ("BKK", "BKK*")]


def variable_names(n: int) -> list[str]:
    """Names of equal length made of letters only: no name is a prefix of another (gfan's parser
    reads ``x1^1*x10`` wrongly) and none contains PHCpack's reserved ``e``/``i``."""
    letters = [c for c in string.ascii_lowercase if c not in "ei"]
    width = 1
    while len(letters) ** width < n:
        width += 1
    return ["v" + "".join(t) for t in itertools.islice(itertools.product(letters, repeat=width), n)]


def polynomials(sups: list[np.ndarray]) -> list[str]:
    """Each support as a polynomial with all coefficients 1."""
    names = variable_names(sups[0].shape[1])
    out = []
    for s in sups:
        terms = ["*".join(f"{names[v]}^{e}" if e > 1 else names[v] for v, e in enumerate(row) if e) or "1"
                 for row in s]
        out.append(" + ".join(terms))
    return out


def run_gfan(sups: list[np.ndarray], timeout: float) -> tuple[int | None, float | None, str]:
    names = variable_names(sups[0].shape[1])
    text = "Q[" + ",".join(names) + "]{" + ",\n".join(polynomials(sups)) + "}\n"
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


def run_phc(sups: list[np.ndarray], timeout: float) -> tuple[int | None, float | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "system.phc", Path(tmp) / "system.out"
        inp.write_text(f"{len(sups)}\n" + "".join(f" {p};\n" for p in polynomials(sups)))
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
    ap.add_argument("--set", dest="sets", action="append", choices=SETS + ("all",),
                    help="shapes to time (repeatable; default table-3.1)")
    ap.add_argument("--rows", default="1-26", help="rows of Table 3.1, e.g. 1-26 or 1,5,20-26")
    ap.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True,
                    help="also run gfan and phc when installed")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per peer call")
    ap.add_argument("--phc-max-n", type=int, default=12, help="run phc only up to this many variables")
    ap.add_argument("--threads", type=int, default=None, help="linnet's threads (default: all cores)")
    ap.add_argument("--smoke", action="store_true", help="rows 1-5 of Table 3.1 without peers (seconds)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.sets, args.rows, args.peers = ["table-3.1"], "1-5", False

    names = [s for s in SETS if s in (args.sets or ["table-3.1"]) or "all" in (args.sets or [])]
    todo = [c for name in names for c in cases(name, parse_rows(args.rows))]
    peers: dict[str, object] = {}
    if args.peers:
        for name, runner in (("gfan", run_gfan), ("phc", run_phc)):
            if shutil.which(name):
                peers[name] = runner
            else:
                print(f"{name}: not installed, skipped")
    # the first call compiles the kernels (or loads them from the on-disk cache): not part of a row
    t = time.perf_counter()
    mixed_volume([np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])] * 3)
    print(f"linnet kernel compile/load: {time.perf_counter() - t:.2f} s")
    if "phc" in peers:
        print(f"phc: phc -m with MixedVol (menu answers piped in), up to N = {args.phc_max_n}")
    print(f"peer timeout: {args.timeout:g} s per call\n")

    head = f"{'shape':<26} {'N':>3} {'mixed volume':>13} {'linnet s':>9}"
    for name in peers:
        head += f" {name + ' s':>9} {name + '/linnet':>12}"
    print(head + "  check")
    totals = {"linnet": 0.0, **{name: 0.0 for name in peers}}
    paired = {name: 0.0 for name in peers}  # linnet time over the rows each peer finished
    ok_all = True
    for case in todo:
        n = len(case.supports)
        t = time.perf_counter()
        value = mixed_volume(case.supports, threads=args.threads)
        t_lin = time.perf_counter() - t
        totals["linnet"] += t_lin
        line = f"{case.label:<26} {n:>3} {value:>13} {t_lin:>9.3f}"
        notes = [] if case.published in (None, value) else [f"published {case.published}"]
        for name, runner in peers.items():
            if name == "phc" and n > args.phc_max_n:
                pv, pt, msg = None, None, "skipped"
            else:
                pv, pt, msg = runner(case.supports, args.timeout)  # type: ignore[operator]
            ratio = pt / t_lin if pt is not None and t_lin > 0 else None
            line += f" {fmt(pt, '9.3f')} {fmt(ratio, '12.1f')}"
            if pv is not None and pt is not None:
                totals[name] += pt
                paired[name] += t_lin
                if pv != value:
                    notes.append(f"{name} says {pv}")
            else:
                notes.append(f"{name} {msg}")
        ok_all &= case.published in (None, value) and not any("says" in n for n in notes)
        print(line + "  " + ("ok" if not notes else "; ".join(notes)), flush=True)

    print(f"\ntotal linnet: {totals['linnet']:.2f} s over {len(todo)} mixed volumes")
    for name in peers:
        if paired[name] > 0:
            print(f"total {name}: {totals[name]:.2f} s on the mixed volumes it finished "
                  f"(linnet {paired[name]:.2f} s there, ratio {totals[name] / paired[name]:.1f})")
        else:
            print(f"total {name}: none finished")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())

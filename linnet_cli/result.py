"""The result of solving one instance: classified critical points, path statistics, filters, export."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .checks.bounds import BoundsRow
from .model.classify import CriticalPoint, Kind
from .checks.completeness import Completeness
from .model.instance import Instance
from .model.patterns import PatternCheck, ZeroPattern

if TYPE_CHECKING:
    from .checks.certify import Certification
    from .engines.base import PositiveDimensional
    from .checks.exact import ExactCounts

#: Version of the JSON layout of ``linnet solve --format json`` (bumped on incompatible changes).
SOLVE_SCHEMA = "linnet.solve/1"


@dataclass
class SolveResult:
    """All critical points of one instance, as found by one engine, with honest path statistics."""

    instance: Instance
    engine: str
    seed: int | None
    points: list[CriticalPoint]
    patterns: list[ZeroPattern]
    paths_tracked: int
    failed_paths: dict[str, int]
    singular_endpoints: int
    seconds: float
    bounds: BoundsRow | None = None
    warnings: list[str] = field(default_factory=list)
    #: the exhaustive zero-pattern check, when asked for
    pattern_check: PatternCheck | None = None
    #: the proof of every point (Krawczyk), when asked for
    certification: Certification | None = None
    #: search paths of the generic solve (monodromy loops) that did not close; they lose no critical point
    monodromy_failed_loops: int = 0
    #: how sure the counts are (:mod:`linnet_cli.checks.completeness`)
    completeness: Completeness | None = None
    #: exact counts by msolve, when asked for
    exact: ExactCounts | None = None
    #: the first this many ``warnings`` are the instance's own (non-generic data), known before solving
    n_instance_warnings: int = 0
    #: what makes the data special (empty: generic data; :mod:`linnet_cli.model.generic_locus`)
    special_data: list[str] = field(default_factory=list)
    #: paths that went to infinity (special data: they lose solutions, they do not fail)
    diverged_paths: int = 0
    #: points found on positive-dimensional solution sets, with the paths that reach each and the
    #: Jacobian's corank there (special data; never counted)
    positive_dimensional: list[PositiveDimensional] = field(default_factory=list)
    #: path trackings that needed extended precision (double-double residuals), and paths whose end the
    #: Cauchy endgame settled; None where the engine does not report them
    extended_paths: int | None = None
    endgame_paths: int | None = None

    def __repr__(self) -> str:
        return f"<SolveResult {self.instance.network.label()} m={self.instance.m}: " \
               f"{self.n_complex} critical points, {self.n_real} real>"

    def __str__(self) -> str:
        """A few lines: the shape, the counts, failures and completeness (like HomotopyContinuation.jl's
        ``Result``)."""
        net = self.instance.network
        lines = [f"SolveResult: {net.label()}, m = {self.instance.m}, N = {net.N} weights "
                 f"({self.engine} engine, seed {self.seed}, {self.seconds:.1f} s)",
                 f"• {self.n_complex} critical points: {self.n_torus} on the torus, {self.n_real} real, "
                 f"{len(self.local_minima())} local minima ({len(self.spurious_local_minima())} spurious)",
                 f"• {self.paths_tracked} paths tracked, {self.n_failed} failed, "
                 f"{self.singular_endpoints} singular endpoints"
                 + (f", {self.diverged_paths} to infinity" if self.diverged_paths else "")
                 + ("" if self.extended_paths is None else
                    f"; {self.extended_paths} in extended precision, {self.endgame_paths} settled by the endgame")]
        if self.special_data:
            lines.append(f"• special data: {'; '.join(self.special_data)}")
        if self.completeness is not None:
            lines.append(f"• completeness: {self.completeness.describe()}")
        if self.certification is not None:
            lines.append(f"• certified: {self.certification.n_certified} of {self.n_complex}")
        lines += [f"• warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def solve_warnings(self) -> list[str]:
        """The warnings of the solve itself, after the instance's own (which a front end shows before
        solving)."""
        return self.warnings[self.n_instance_warnings:]

    # filters, in the spirit of HomotopyContinuation.jl's results
    def real(self) -> list[CriticalPoint]:
        return [p for p in self.points if p.is_real]

    def torus(self) -> list[CriticalPoint]:
        return [p for p in self.points if p.is_torus]

    def local_minima(self) -> list[CriticalPoint]:
        return [p for p in self.real() if p.morse_index == 0 and not p.degenerate]

    def spurious_local_minima(self) -> list[CriticalPoint]:
        return [p for p in self.local_minima() if p.kind is Kind.SPURIOUS_LOCAL_MINIMUM]

    @property
    def n_complex(self) -> int:
        return len(self.points)

    @property
    def n_torus(self) -> int:
        return len(self.torus())

    @property
    def n_real(self) -> int:
        return len(self.real())

    @property
    def n_failed(self) -> int:
        return int(sum(self.failed_paths.values()))

    def pattern_counts(self) -> list[tuple[ZeroPattern, int, int]]:
        """(pattern, number of critical points, number of real ones), patterns with points only."""
        counts: dict[ZeroPattern, list[int]] = {}
        for p in self.points:      # one pass: there can be many patterns and millions of points
            c = counts.setdefault(p.pattern, [0, 0])
            c[0] += 1
            c[1] += p.is_real
        return [(pat, counts[pat][0], counts[pat][1]) for pat in self.patterns if pat in counts]

    def to_dict(self, solutions: bool = True) -> dict[str, Any]:
        """The JSON layout of ``linnet solve --format json`` (schema ``linnet.solve/1``): the counts, bounds,
        patterns, checks and warnings, and with ``solutions`` (the default) one object per critical point
        (:meth:`solution_rows`); ``solutions=False`` gives the counts without the solution list."""
        net = self.instance.network
        b = self.bounds
        cert = None if self.certification is None else self.certification.to_dict()
        out: dict[str, Any] = {
            "schema": SOLVE_SCHEMA,
            "widths": list(net.widths), "d": net.d, "dx": net.dx, "dy": net.dy, "H": net.H,
            "m": self.instance.m, "N": net.N,
            "seed": self.seed, "engine": self.engine, "instance": self.instance.source,
            "n_complex": self.n_complex, "n_torus": self.n_torus, "n_real": self.n_real,
            "n_local_minima": len(self.local_minima()),
            "n_spurious_local_minima": len(self.spurious_local_minima()),
            "n_failed": self.n_failed, "failed_paths": dict(self.failed_paths),
            "n_extended_precision": self.extended_paths, "n_endgame": self.endgame_paths,
            "monodromy_failed_loops": self.monodromy_failed_loops,
            "completeness": None if self.completeness is None else self.completeness.to_dict(),
            "exact": None if self.exact is None else self.exact.to_dict(),
            "n_singular": self.singular_endpoints, "paths_tracked": self.paths_tracked,
            "special_data": list(self.special_data), "n_diverged": self.diverged_paths,
            "n_with_multiplicity": sum(p.multiplicity for p in self.points),
            "positive_dimensional": [{"paths": c.paths, "jacobian_corank": c.corank,
                                      "point": [[float(v.real), float(v.imag)] for v in c.point]}
                                     for c in self.positive_dimensional],
            "seconds": round(self.seconds, 3),
            "bounds": None if b is None else {"CBB": b.CBB, "BKK": b.BKK, "BKK_torus": b.BKK_torus,
                                              "B_C": b.B_C, "B_C_star": b.B_C_star},
            "patterns": [{"description": pat.describe(), "active": [list(a) for a in pat.active],
                          "matrices": [m.tolist() for m in pat.matrices()], "count": n, "real": r}
                         for pat, n, r in self.pattern_counts()],
            "warnings": list(self.warnings),
            "pattern_check": None if self.pattern_check is None else self.pattern_check.to_dict(),
            **({} if cert is None else {k: cert[k] for k in ("n_certified", "n_certified_torus", "n_certified_real",
                                                             "n_uncertified")}),
            "certification": cert,
        }
        if solutions:
            out["solutions"] = self.solution_rows()
        return out

    def solution_rows(self) -> list[dict[str, Any]]:
        """One dict per critical point (the ``solutions`` of the JSON output)."""
        names = self.instance.network.variable_names()
        rows = []
        for k, p in enumerate(self.points):
            rows.append({
                "index": k, "pattern": p.pattern.describe(), "torus": p.is_torus, "real": p.is_real,
                "loss": p.loss.real if p.is_real else [p.loss.real, p.loss.imag],
                "morse_index": p.morse_index, "kind": p.kind_text, "residual": p.residual,
                "multiplicity": p.multiplicity,
                "coordinates": {n: [float(v.real), float(v.imag)] for n, v in zip(names, p.w)},
            })
        return rows

    def to_frame(self):
        """pandas DataFrame, one row per critical point, coordinates as ``<name>_re``/``<name>_im``."""
        import pandas as pd
        names = self.instance.network.variable_names()
        rows = []
        for r, p in zip(self.solution_rows(), self.points):
            row = {k: v for k, v in r.items() if k not in ("coordinates", "loss")}
            row["loss_re"], row["loss_im"] = p.loss.real, p.loss.imag
            for n, v in zip(names, p.w):
                row[f"{n}_re"], row[f"{n}_im"] = float(v.real), float(v.imag)
            row["seed"] = self.seed     # makes the run repeatable from the csv alone
            row["n_failed"] = self.n_failed
            row["n_extended_precision"], row["n_endgame"] = self.extended_paths, self.endgame_paths
            row["completeness"] = None if self.completeness is None else self.completeness.overall.value
            rows.append(row)
        frame = pd.DataFrame(rows)
        if len(frame):
            # integers stay integers: morse_index is missing for non-real points, which would make it a
            # float column (2.0); a nullable integer column keeps 2 and leaves those cells empty
            for col in ("index", "morse_index", "seed", "n_extended_precision", "n_endgame"):
                frame[col] = frame[col].astype("Int64")
        return frame


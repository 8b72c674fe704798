"""How sure a count is: per sub-network and overall, from the strongest evidence available.

* ``proven``: certified points meet a proven bound (B_C for H = 1, m = 1);
* ``exact``: the counts equal those of an exact Gröbner-basis computation (``--exact``: msolve);
* ``trace test``: the monodromy set passed a trace test (:mod:`linnet_cli.homotopy.trace_test`), with its
  residual; ``rank test`` for a sub-network whose Φ is not dominant (DΦ rank-deficient: no torus
  solutions at all);
* ``parameter homotopy``: special data (:mod:`linnet_cli.model.generic_locus`), whose isolated critical
  points are the endpoints of the coefficient-parameter homotopy from a generic solution set that
  passed its checks (trace or rank test), every path ending at a classified point or at infinity;
* ``not verified``: none of these (monodromy stopped by its heuristic rule only, a check failed, or a
  path to the instance failed, which can cost points).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from collections.abc import Sequence
from typing import Any

from ..model.network import widths_text


class Status(str, Enum):
    """Evidence that a count is complete, strongest first."""

    PROVEN = "proven"
    EXACT = "exact"
    TRACE_TEST = "trace test"
    RANK_TEST = "rank test"
    PARAMETER_HOMOTOPY = "parameter homotopy"
    NOT_VERIFIED = "not verified"


#: What a trace test's detection margin must reach for a pass (trace_test.DETECT_MARGIN, repeated here so
#: that reading a result does not import the tracker).
DETECT_REQUIRED = 10.0


def _finite(v: float | None) -> float | None:
    """A float for JSON: None for a missing or non-finite value (JSON has no Infinity)."""
    return None if v is None or not math.isfinite(v) else float(v)


def below(residual: float | None, tolerance: float | None) -> float | None:
    """How many times below its tolerance a residual is (> 1: within it); None when either is unknown
    or the residual is 0."""
    if residual is None or tolerance is None or not math.isfinite(residual) or residual <= 0:
        return None
    return float(tolerance) / float(residual)


@dataclass
class Part:
    """One sub-network (all dead-neuron patterns with these widths) of a solve. For a trace test:
    ``residual`` (the traces' distance from collinear), the ``tolerance`` it was held to, and ``margin``,
    the detection margin: what dropping the least visible known orbit would leave, in tolerances (a pass
    needs :data:`DETECT_REQUIRED`, so that a missing orbit could not have gone unseen)."""

    widths: tuple[int, ...]
    patterns: int
    torus_count: int
    status: Status
    residual: float | None = None
    extras: int | None = None
    reason: str = ""
    tolerance: float | None = None
    margin: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"widths": list(self.widths), "patterns": self.patterns, "torus_count": self.torus_count,
                "status": self.status.value, "residual": _finite(self.residual),
                "tolerance": _finite(self.tolerance),
                "residual_below_tolerance": _finite(below(self.residual, self.tolerance)),
                "detection_margin": _finite(self.margin),
                "detection_required": DETECT_REQUIRED if self.residual is not None else None,
                "extra_witnesses": self.extras, "reason": self.reason}


@dataclass
class Completeness:
    """The evidence for every sub-network and for the whole count."""

    parts: list[Part]
    overall: Status
    notes: list[str] = field(default_factory=list)

    def traced(self) -> list[Part]:
        """The sub-networks a trace test was run on (passed or not)."""
        return [p for p in self.parts if p.residual is not None]

    def trace_summary(self) -> dict[str, Any] | None:
        """The trace tests of all sub-networks at a glance (None when none ran): how many passed, the
        residual nearest its tolerance (``residual``, ``tolerance``, ``residual_below_tolerance``) and the
        least detection margin (``detection_margin`` against ``detection_required``)."""
        tested = self.traced()
        if not tested:
            return None
        worst = min(tested, key=lambda p: below(p.residual, p.tolerance) or (0.0 if p.residual else math.inf))
        margins = [p.margin for p in tested if p.margin is not None]
        return {"passed": sum(p.status == Status.TRACE_TEST for p in tested), "tested": len(tested),
                "residual": _finite(worst.residual), "tolerance": _finite(worst.tolerance),
                "residual_below_tolerance": _finite(below(worst.residual, worst.tolerance)),
                "detection_margin": _finite(min(margins)) if margins else None,
                "detection_required": DETECT_REQUIRED}

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.value, "trace_test": self.trace_summary(),
                "parts": [p.to_dict() for p in self.parts], "notes": list(self.notes)}

    def with_evidence(self, exact: bool | None = None, proven: bool = False) -> Completeness:
        """This evidence strengthened by a proof (certified points meeting a proven bound) or by equal
        exact counts; exact counts that disagree make the count not verified."""
        if proven:
            return Completeness(self.parts, Status.PROVEN, list(self.notes))
        if exact is True:
            return Completeness(self.parts, Status.EXACT, list(self.notes))
        if exact is False:
            return Completeness(self.parts, Status.NOT_VERIFIED,
                                self.notes + ["the counts disagree with the exact (Gröbner basis) counts"])
        return self

    def trace_lines(self) -> list[str]:
        """The trace tests in words: how many sub-networks passed; the residual nearest its tolerance and
        how far below it; the least detection margin against the margin required (empty: none ran)."""
        t = self.trace_summary()
        if t is None:
            return []
        lines = [f"trace test passed on {t['passed']} of {t['tested']} sub-network(s)"]
        if t["residual"] is not None and t["tolerance"] is not None:
            times = t["residual_below_tolerance"]
            where = (f", {times:,.0f}× below" if times is not None and times >= 10 else
                     f", {times:.2g}× below" if times is not None and times >= 1 else ", ABOVE it")
            lines.append(f"largest residual {t['residual']:.1e} vs tolerance {t['tolerance']:.0e}"
                         + (where if times is not None else ""))
        elif t["tolerance"] is not None:
            lines.append(f"a residual could not be computed (tolerance {t['tolerance']:.0e})")
        if t["detection_margin"] is not None:
            ok = t["detection_margin"] >= t["detection_required"]
            lines.append(f"least visible orbit {t['detection_margin']:,.0f}× the tolerance "
                         f"({t['detection_required']:.0f}× needed{'' if ok else ': NOT met'})")
        return lines

    def describe(self) -> str:
        """One line for the summary, e.g. ``trace test (largest residual 2.1e-16 vs tolerance 1e-09,
        ...)``: the level, and for a trace test its worst residual against its tolerance and margins."""
        lines = self.trace_lines()
        if self.overall == Status.TRACE_TEST and lines:
            return f"trace test ({'; '.join(lines[1:] or lines[:1])})"
        if self.overall == Status.PARAMETER_HOMOTOPY:
            return "special data: isolated points by parameter homotopy"
        return self.overall.value


def overall(parts: list[Part], failed_paths: int) -> Completeness:
    """The whole count's evidence from its sub-networks: trace test when every sub-network passed (or has
    no solutions by the rank test) and no path to the instance failed; else not verified. Proofs and
    exact counts come on top (:meth:`Completeness.with_evidence`)."""
    notes = []
    if failed_paths:
        notes.append(f"{failed_paths} path(s) to the instance failed: the count can be too low")
    weak = [p for p in parts if p.status not in (Status.TRACE_TEST, Status.RANK_TEST)]
    for p in weak:
        notes.append(f"sub-network {widths_text(p.widths)}: not verified"
                     + (f" ({p.reason})" if p.reason else ""))
    if weak or failed_paths:
        return Completeness(parts, Status.NOT_VERIFIED, notes)
    traced = any(p.status == Status.TRACE_TEST for p in parts)
    return Completeness(parts, Status.TRACE_TEST if traced else Status.RANK_TEST, notes)


def special(parts: list[Part], failed_paths: int, doubts: Sequence[str] = ()) -> Completeness:
    """The evidence for a count of special data by parameter homotopy: as strong as the generic
    solution set it starts from (``parts``), provided that no path failed and nothing else casts a
    doubt on it (``doubts``); a failed path can cost an isolated point, so the count is then not
    verified."""
    if doubts:
        return Completeness(parts, Status.NOT_VERIFIED, list(doubts))
    generic = overall(parts, failed_paths)
    if generic.overall in (Status.TRACE_TEST, Status.RANK_TEST):
        return Completeness(parts, Status.PARAMETER_HOMOTOPY,
                            generic.notes + [f"the generic solution set passed its {generic.overall.value}"])
    return generic

"""How sure a count is: per sub-network and overall, from the strongest evidence available.

* ``proven``: certified points meet a proven bound (B_C for H = 1, m = 1);
* ``exact``: the counts equal those of an exact Gröbner-basis computation (``--exact``: msolve);
* ``trace test``: the monodromy set passed a trace test (:mod:`linnet_cli.trace_test`), with its
  residual; ``rank test`` for a sub-network whose Φ is not dominant (DΦ rank-deficient: no torus
  solutions at all);
* ``not verified``: none of these (monodromy stopped by its heuristic rule only, a check failed, or a
  path to the instance failed, which can cost points).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .network import widths_text


class Status(str, Enum):
    """Evidence that a count is complete, strongest first."""

    PROVEN = "proven"
    EXACT = "exact"
    TRACE_TEST = "trace test"
    RANK_TEST = "rank test"
    NOT_VERIFIED = "not verified"


@dataclass
class Part:
    """One sub-network (all dead-neuron patterns with these widths) of a solve."""

    widths: tuple[int, ...]
    patterns: int
    torus_count: int
    status: Status
    residual: float | None = None
    extras: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"widths": list(self.widths), "patterns": self.patterns, "torus_count": self.torus_count,
                "status": self.status.value, "residual": self.residual, "extra_witnesses": self.extras,
                "reason": self.reason}


@dataclass
class Completeness:
    """The evidence for every sub-network and for the whole count."""

    parts: list[Part]
    overall: Status
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.value, "parts": [p.as_dict() for p in self.parts], "notes": list(self.notes)}

    def with_evidence(self, exact: bool | None = None, proven: bool = False) -> "Completeness":
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

    def describe(self) -> str:
        """One line for the summary, e.g. ``trace test (largest residual 2.1e-16)``."""
        if self.overall == Status.TRACE_TEST:
            res = [p.residual for p in self.parts if p.residual is not None]
            return f"trace test (largest residual {max(res):.1e})" if res else "trace test"
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

"""linnet's own engine, compiled path tracking with no Julia: zero patterns + monodromy + parameter
homotopy (docs/design.md §2–§5).

1. Enumerate dead-neuron patterns; group them by the widths of their sub-networks.
2. For each distinct sub-network, find all torus solutions at generic parameters (X_0, Y_0, Λ_0)
   by monodromy from a free start pair, one point per sign orbit.
3. Track them by a straight-line parameter homotopy to every (instance, pattern): the instance's
   X, Y and its Λ restricted to the pattern's coordinates. Endpoints that coincide (path jumping)
   are retracked carefully; orbits are expanded and embedded in C^N; the origin is added.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence

import numpy as np

from ..homotopy.endgame import CauchyEndgame, EndgameOptions
from ..homotopy.endpoints import group_endpoints
from ..model.generic_locus import equivalent_data, special_features
from ..model.gradient import GradientSystem, Parameters
from ..checks.completeness import Part, Status
from ..model.instance import Instance
from ..homotopy.monodromy import (MonodromyGraph, MonodromyOptions, TorusSolutions, lambda_mover, monodromy_solve,
                                  random_lambda)
from ..model.network import Network, widths_text
from ..model.patterns import ZeroPattern, origin_pattern, pattern_groups
from ..model.symmetry import canonical, expand_orbits, sign_vectors
from ..homotopy.trace_test import TraceResult, TraceTest
from ..homotopy.return_code import ReturnCode
from ..homotopy.tally import tally
from ..homotopy.tracker import (RETRACK_LEVELS, ParameterHomotopy, TrackedPaths, Tracker, TrackerOptions,
                                compile_in_background)
from ..homotopy.unique_points import duplicates, merge_new
from ..progress import Progress
from .base import GenericSolution, PositiveDimensional, RawSolutions


@dataclass
class MonodromySolution(GenericSolution):
    """The native engine's generic solve: all torus solutions of every distinct sub-network of a network
    at generic parameters, found by monodromy (one point per sign orbit), and the data X0, Y0 they are
    solutions for; the parameter homotopies to instances start from them."""

    network: Network
    X0: np.ndarray
    Y0: np.ndarray
    groups: dict[tuple[int, ...], list[ZeroPattern]]
    torus: dict[tuple[int, ...], TorusSolutions]
    paths_tracked: int = 0
    failed: dict[str, int] = field(default_factory=dict)

    def parts(self) -> list[Part]:
        """The evidence for each sub-network's torus count (see :mod:`linnet_cli.checks.completeness`)."""
        parts = []
        for widths, pats in self.groups.items():
            tor = self.torus[widths]
            v = tor.verification
            if not tor.dominant:
                parts.append(Part(widths, len(pats), 0, Status.RANK_TEST))
            elif v is not None and v.passed:
                parts.append(Part(widths, len(pats), tor.count, Status.TRACE_TEST, v.residual, v.extras,
                                  tolerance=v.tolerance, margin=v.margin))
            else:
                why = ((v.reason if v is not None else "no trace test")
                       + (" (loop limit reached)" if tor.hit_loop_limit else ""))
                parts.append(Part(widths, len(pats), tor.count, Status.NOT_VERIFIED,
                                  None if v is None else v.residual, None if v is None else v.extras, why,
                                  None if v is None else v.tolerance, None if v is None else v.margin))
        return parts

    @property
    def n_complex(self) -> int:
        """Number of critical points at the generic parameters (torus counts × patterns + origin)."""
        return 1 + sum(self.torus[w].count * len(p) for w, p in self.groups.items())

    @property
    def n_torus(self) -> int:
        """Number of torus critical points: the count of the network itself (all neurons active)."""
        return self.torus[self.network.widths].count if self.network.widths in self.torus else 0

    def details(self) -> dict:
        return {"monodromy_loops": {widths_text(w): t.loops for w, t in self.torus.items()},
                "loop_limit_hit": [widths_text(w) for w, t in self.torus.items() if t.hit_loop_limit]}


def trace_verifier(network: Network, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator,
                   tracker: TrackerOptions | None = None) -> Callable[[np.ndarray, np.ndarray], TraceResult]:
    """A completeness check for :func:`monodromy_solve`: one trace test over its base, kept across
    calls (its extra witnesses are reused when monodromy finds more and asks again)."""
    tests: dict[str, TraceTest] = {}

    def verify(base: np.ndarray, representatives: np.ndarray) -> TraceResult:
        if "test" not in tests:
            tests["test"] = TraceTest(network, X, Y, base, rng, tracker)
        return tests["test"].check(representatives)
    return verify


def monodromy_solution(network: Network, X0: np.ndarray, Y0: np.ndarray, rng: np.random.Generator,
                       progress: Progress | None = None, trace_test: bool = True,
                       monodromy: MonodromyOptions | None = None,
                       tracker: TrackerOptions | None = None) -> MonodromySolution:
    """Monodromy for every distinct sub-network with data (X0, Y0) (the torus counts are deg Φ), each
    checked by a trace test unless ``trace_test`` is False; ``monodromy`` None: the default options."""
    monodromy = monodromy or MonodromyOptions()
    groups = pattern_groups(network)
    solution = MonodromySolution(network, X0, Y0, groups, {})
    for k, widths in enumerate(groups):
        def report(found: str, loops: float, total: float | None, k: int = k, widths: tuple = widths) -> None:
            if progress is not None:
                progress(f"monodromy {widths_text(widths)}: {found}", k, len(groups))
        sub = Network(widths)
        verify = trace_verifier(sub, X0, Y0, rng, tracker) if trace_test else None
        tor = monodromy_solve(sub, X0, Y0, rng, progress=report, verify=verify, options=monodromy, tracker=tracker)
        solution.torus[widths] = tor
        solution.paths_tracked += tor.paths_tracked + (tor.verification.paths if tor.verification is not None else 0)
        for code, n in tor.failed_paths.items():
            solution.failed[code] = solution.failed.get(code, 0) + n
        if progress is not None:
            progress("monodromy", k + 1, len(groups))
    return solution


#: Detours tried for each path to an instance that failed, by their size relative to the path's length
#: in each of X, Y and Λ. Such a path passes too close to a branch point (widths 3,2,3: at the accuracy
#: limit near t = 0.99, with a regular endpoint) or to a pole, where a solution nearly goes to infinity
#: (widths 2,1,4,1,2, m = 2: norm 4,700 and a scaled condition number of 7e8 near t = 0.8836). A detour
#: through the path's middle moved off the line by a random complex step goes around that point on one
#: side, and so reaches the lost solution or the one of the path on the other side; thin detours first,
#: since they encircle few other branch points. The step moves the data X, Y too: the poles lie where the
#: data are nearly degenerate, which a detour in Λ alone does not avoid (it failed on every size for the
#: path above, where detours in all three succeed). An endpoint is taken only when it is a new point of
#: its block.
DETOUR_SIZES = (0.05, 0.2, 0.5, 1.0)
#: Detours around the point t_f where a path failed, first: through p(t_f ± i s) for each s, in the complex
#: line of the path's own parameters (p(τ) = p_start + τ (p_end − p_start), complex τ). The branch point or
#: pole that stopped the path lies near t_f on that line, so the two sides reach the two continuations
#: past it, and a small s encircles little else. Random middles of DETOUR_SIZES are centred on t = 1/2 and
#: pass within a fraction of their size of a point near the end. Widths 2,4,2 with m = 2, seed 1 lost 8
#: paths near t = 0.911 (norms 1.8e3–7.4e4): the detours around t_f brought back 5 of them, the random
#: ones 6 (alone, or after those), every other detour reaching a point already found; the last 2 need
#: COMPLETE_LOOPS.
AROUND_SIZES = (0.02, 0.1)
#: Loops at most of the monodromy that completes a block of paths to a generic instance that detours and
#: the endgame left short (:func:`complete_blocks`). The same run as above: two paths stayed lost, every
#: detour around their failure point reaching a point other paths had found; one loop based at the
#: instance's own Λ brought both back.
COMPLETE_LOOPS = 8
#: Random detours of each size: a detour can go around the branch point on the wrong side and reach a
#: point its block already has (widths 8,1,1,1,2 with m = 3, seed 1: four detours reached known points,
#: one of three tries per size finds the lost one).
DETOUR_TRIES = 3


def _new_in_block(sub: Network, x: np.ndarray, codes: np.ndarray, block: np.ndarray, point: np.ndarray) -> bool:
    """Whether ``point`` is not yet among the successful endpoints of its block (paths of one instance
    and pattern), up to the sign symmetry."""
    known = canonical(sub, x[block[codes[block] == ReturnCode.SUCCESS]])
    return bool(len(merge_new(known, canonical(sub, point[None]))))


def detour(tracker: Tracker, x0: np.ndarray, res, codes: np.ndarray, lost: np.ndarray, blocks: np.ndarray,
           sub: Network) -> None:
    """Track the ``lost`` paths of ``tracker``'s homotopy again through a middle parameter, start →
    middle → end: first around the point t_f where each failed, on either side (the middle p(t_f ± i s),
    for each s of AROUND_SIZES), then through random complex middles, DETOUR_TRIES times per size of
    DETOUR_SIZES. An endpoint that succeeds and is not yet among its block's (one instance and pattern)
    successful endpoints replaces the failed one (``res.x`` and ``codes``, in place)."""
    hom = tracker.homotopy
    (X0, Y0, L0), (X1, Y1, L1) = hom.start, hom.end
    rng = np.random.default_rng(len(lost))          # reproducible: the same run takes the same detours
    block = {int(i): b for b in blocks for i in b}
    where = np.asarray(res.t)                      # where each path failed (1: at its end)
    starts = [np.asarray(v) for v in (X0, Y0, L0)]
    middles = [(True, tau) for s in AROUND_SIZES for tau in (1j * s, -1j * s)]
    middles += [(False, size) for size in np.repeat(DETOUR_SIZES, DETOUR_TRIES)]
    for around, value in middles:
        if not len(lost):
            return
        ends = [np.asarray(v)[lost] if np.ndim(v) == nd else v for v, nd in ((X1, 3), (Y1, 3), (L1, 2))]
        Xm, Ym, Lm = (_on_line(a, b, nd, where[lost] + value) if around
                      else _moved_middle(rng, a, b, nd, float(np.real(value)), len(lost))
                      for a, b, nd in zip(starts, ends, (2, 2, 1)))
        mid = (Xm, Ym, Lm)
        first = Tracker(ParameterHomotopy(hom.system, hom.start, mid), tracker.options, tracker.torus).track(x0[lost])
        second = Tracker(ParameterHomotopy(hom.system, mid, (ends[0], ends[1], ends[2])), tracker.options,
                         tracker.torus).track(first.x)
        for k, i in enumerate(lost.tolist()):
            if not (first.success[k] and second.success[k]):
                continue
            if _new_in_block(sub, res.x, codes, block[i], second.x[k]):
                res.x[i], codes[i] = second.x[k], ReturnCode.SUCCESS
        lost = lost[codes[lost] != ReturnCode.SUCCESS]


def complete_blocks(tracker: Tracker, res: TrackedPaths, codes: np.ndarray, blocks: np.ndarray, sub: Network) -> None:
    """Complete the blocks (one generic instance and pattern each) that detours and the endgame left
    short of their paths' number of points, by monodromy in Λ at the block's own data: its endpoints
    are moved around loops based at its Λ (a :class:`MonodromyGraph`, up to COMPLETE_LOOPS loops) until
    the block has as many points as paths. A generic instance has exactly that many (the sub-network's
    verified torus count), so a block that reaches it is complete; each new point takes the place of a
    failed path (``res.x`` and ``codes``, in place)."""
    ends = [np.asarray(v) for v in tracker.homotopy.end]
    rng = np.random.default_rng(len(blocks))         # reproducible
    for block in blocks:
        short = block[codes[block] != ReturnCode.SUCCESS]
        if len(short):
            X, Y, lam = (v[block[0]] if v.ndim == nd else v for v, nd in zip(ends, (3, 3, 2)))
            new = _loops_at(tracker, sub, X, Y, lam, res.x[block[codes[block] == ReturnCode.SUCCESS]], len(block),
                            rng)[:len(short)]
            res.x[short[:len(new)]] = new
            codes[short[:len(new)]] = ReturnCode.SUCCESS


def _loops_at(tracker: Tracker, sub: Network, X: np.ndarray, Y: np.ndarray, lam: np.ndarray, known: np.ndarray,
              count: int, rng: np.random.Generator) -> np.ndarray:
    """Points of ``sub`` at (X, Y, lam) that are not among ``known``, found by moving those around loops
    in Λ based at lam, of its size, until ``count`` points are known or COMPLETE_LOOPS loops are made."""
    scale = float(np.sqrt(np.mean(np.abs(lam) ** 2))) or 1.0
    graph = MonodromyGraph(lambda_mover(GradientSystem(sub), X, Y, tracker.options), lambda x: canonical(sub, x),
                           (lam, random_lambda(rng, scale, lam.shape)), sub.N)
    graph.add_edge(())
    stored = graph.add_points(0, known)       # the known points, each orbit once
    for _ in range(COMPLETE_LOOPS):
        graph.add_edge((random_lambda(rng, scale, lam.shape),))
        graph.close()
        if len(graph.points[0]) >= count:
            break
    return graph.points[0][stored:]


def _on_line(start: np.ndarray, end: np.ndarray, nd: int, tau: np.ndarray) -> np.ndarray:
    """The points start + τ (end − start) of the lines from ``start`` (shared) to ``end`` (shared, or one
    per path: leading axis), arrays of ``nd`` dimensions each, at complex τ, one per path; (paths, ...)."""
    end = np.broadcast_to(end, (len(tau),) + np.shape(end)[-nd:])
    return start + tau.reshape((-1,) + (1,) * nd) * (end - start)


def _moved_middle(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, nd: int, size: float,
                  paths: int) -> np.ndarray:
    """The middles of the lines from ``start`` (shared) to ``end`` (shared, or one per path: leading axis),
    arrays of ``nd`` dimensions each, moved by random complex steps of ``size`` times each line's length,
    or times the size of ``end`` where the line has none (data that the homotopy keeps fixed); (paths, ...)."""
    end = np.broadcast_to(end, (paths,) + np.shape(end)[-nd:])
    axes = tuple(range(1, nd + 1))
    step = random_lambda(rng, 1.0, end.shape)
    length = np.linalg.norm(end - start, axis=axes, keepdims=True)
    length = np.where(length > 0, length, np.linalg.norm(end, axis=axes, keepdims=True))
    return (start + end) / 2 + size * length * step / np.linalg.norm(step, axis=axes, keepdims=True)


def settle(tracker: Tracker, x0: np.ndarray, res, codes: np.ndarray, lost: np.ndarray, blocks: np.ndarray,
           sub: Network) -> None:
    """Send the ``lost`` paths of ``tracker``'s homotopy (failed, or ended singular) through the Cauchy
    endgame (:mod:`linnet_cli.homotopy.endgame`), so that each ends with a code that says what it is: a regular
    point, new in its block, is taken (SUCCESS: the path only failed numerically near its end); a
    singular one, or one where several sheets meet, is SINGULAR; a path to infinity is AT_INFINITY
    (``res.x`` and ``codes``, in place). At generic data no path of a homotopy in Λ alone goes to
    infinity or ends singular: either makes the data special (:meth:`NativeEngine.solve`)."""
    hom = tracker.homotopy
    endgame = CauchyEndgame(sub, hom.start, hom.end, len(x0), tracker=tracker.options)
    game = endgame.run(x0[lost], lost)
    block = {int(i): b for b in blocks for i in b}
    for k, i in enumerate(lost.tolist()):
        code = game.codes[k]
        if code == ReturnCode.SUCCESS:
            x = game.x[k]
            regular = bool(endgame.regular(np.array([i]), x[None])[0])
            if regular and game.winding[k] == 1 and _new_in_block(sub, res.x, codes, block[i], x):
                res.x[i], codes[i] = x, ReturnCode.SUCCESS
            elif not regular or game.winding[k] > 1:
                res.x[i], codes[i] = x, ReturnCode.SINGULAR
        elif code == ReturnCode.AT_INFINITY:
            res.x[i], codes[i] = game.x[k], ReturnCode.AT_INFINITY


def retrack_jumps(tracker: Tracker, res: TrackedPaths, x0: np.ndarray, blocks: np.ndarray, sub: Network) -> np.ndarray:
    """Path jumping shows up as coinciding endpoints within one block (paths of one instance and
    pattern, which end at distinct points of the sub-network): retrack those carefully, more carefully
    at each level. Returns the paths' codes, with endpoints that still coincide marked NOT_CONVERGED
    (which of them is right cannot be told)."""
    def jumped() -> np.ndarray:
        return np.concatenate([b[duplicates(canonical(sub, res.x[b]))[1]] for b in blocks])

    suspect, careful = jumped(), tracker
    for _ in range(RETRACK_LEVELS):
        if not len(suspect):
            break
        careful = careful.careful()
        careful.retrack(res, x0, suspect)
        suspect = jumped()
    codes = res.codes.copy()
    codes[suspect[codes[suspect] == ReturnCode.SUCCESS]] = ReturnCode.NOT_CONVERGED
    return codes


def track_to(generic: MonodromySolution, instances: Sequence[Instance], progress: Progress | None = None,
             options: TrackerOptions | None = None) -> list[RawSolutions]:
    """Critical points of every instance by parameter homotopy from the generic solution."""
    net = generic.network
    n_inst = len(instances)
    patterns = [origin_pattern(net)] + [p for pats in generic.groups.values() for p in pats]
    pid = {p: i for i, p in enumerate(patterns)}
    points: list[list[np.ndarray]] = [[np.zeros((1, net.N), complex)] for _ in range(n_inst)]
    owner: list[list[np.ndarray]] = [[np.zeros(1, int)] for _ in range(n_inst)]
    singular: list[list[np.ndarray]] = [[] for _ in range(n_inst)]
    failed: list[dict[str, int]] = [defaultdict(int) for _ in range(n_inst)]
    tracked = np.zeros(n_inst, dtype=int)
    done = 0
    for widths, pats in generic.groups.items():
        tor = generic.torus[widths]
        reps = tor.representatives
        if len(reps) == 0:
            continue
        sub = Network(widths)
        R, Pn = len(reps), len(pats)
        # path order: instance, pattern, representative
        X1 = np.repeat(np.stack([inst.X for inst in instances]), Pn * R, axis=0)
        Y1 = np.repeat(np.stack([inst.Y for inst in instances]), Pn * R, axis=0)
        lam1 = np.repeat(np.stack([inst.lambda_flat[p.coordinates] for inst in instances for p in pats]), R, axis=0)
        x0 = np.tile(reps, (n_inst * Pn, 1))
        tracker = Tracker(ParameterHomotopy(GradientSystem(sub), (tor.X, tor.Y, tor.lam), (X1, Y1, lam1)), options,
                          torus=True)
        res = tracker.track(x0)
        blocks = np.arange(len(x0)).reshape(n_inst * Pn, R)
        codes = retrack_jumps(tracker, res, x0, blocks, sub)
        lost = np.flatnonzero((codes != ReturnCode.SUCCESS) & (codes != ReturnCode.SINGULAR))
        if len(lost):
            detour(tracker, x0, res, codes, lost, blocks, sub)
            lost = np.flatnonzero(codes != ReturnCode.SUCCESS)
            if len(lost):
                settle(tracker, x0, res, codes, lost, blocks, sub)
            complete_blocks(tracker, res, codes, blocks, sub)
        for k in range(n_inst):
            for q, p in enumerate(pats):
                sl = slice((k * Pn + q) * R, (k * Pn + q + 1) * R)
                c, x = codes[sl], res.x[sl]
                tracked[k] += R
                ok = c == ReturnCode.SUCCESS
                pts = expand_orbits(sub, x[ok])
                points[k].append(p.embed(pts))
                owner[k].append(np.full(len(pts), pid[p]))
                sing = c == ReturnCode.SINGULAR
                if sing.any():
                    singular[k].append(p.embed(expand_orbits(sub, x[sing])))
                for code in c[~ok]:
                    failed[k][code.value] += 1
        done += 1
        if progress is not None:
            progress("parameter homotopy", done, len(generic.groups))
    out = []
    for k in range(n_inst):
        sing = np.vstack(singular[k]) if singular[k] else np.zeros((0, net.N), complex)
        out.append(RawSolutions(np.vstack(points[k]), np.concatenate(owner[k]), patterns, int(tracked[k]),
                                dict(failed[k]), sing))
    return out


@dataclass
class _PatternPaths:
    """The paths of one sub-network's patterns to an instance with special data: start points x0 (the
    torus representatives, once per pattern), end parameters per path, and where each path ended."""

    sub: Network
    pats: list[ZeroPattern]
    start: tuple[np.ndarray, np.ndarray, np.ndarray]
    end: tuple[np.ndarray, np.ndarray, np.ndarray]
    x0: np.ndarray
    res: TrackedPaths = field(init=False)
    codes: np.ndarray = field(init=False)
    segments: int = 0

    def _tracker(self, options: TrackerOptions | None) -> Tracker:
        return Tracker(ParameterHomotopy(GradientSystem(self.sub), self.start, self.end), options)

    def track(self, options: TrackerOptions | None, endgame: EndgameOptions | None) -> None:
        """Track every path to the instance (coinciding endpoints of one pattern retracked, as for generic
        data); those that do not end at a regular point go through the Cauchy endgame."""
        tracker = self._tracker(options)
        self.res = tracker.track(self.x0)
        self.codes = retrack_jumps(tracker, self.res, self.x0,
                                   np.arange(len(self.x0)).reshape(len(self.pats), -1), self.sub)
        self.segments += len(self.x0)
        self._settle(np.flatnonzero(self.codes != ReturnCode.SUCCESS), options, endgame)

    def retrack(self, which: np.ndarray, options: TrackerOptions | None, endgame: EndgameOptions | None) -> None:
        """Track the paths ``which`` again (each with its own end parameters), then the endgame as in
        :meth:`track`."""
        self._tracker(options).retrack(self.res, self.x0, which)
        self.codes[which] = self.res.codes[which]
        self.segments += len(which)
        self._settle(which[self.codes[which] != ReturnCode.SUCCESS], options, endgame)

    def _settle(self, rest: np.ndarray, options: TrackerOptions | None, endgame: EndgameOptions | None) -> None:
        if len(rest):
            game = CauchyEndgame(self.sub, self.start, self.end, len(self.x0), endgame,
                                 options).run(self.x0[rest], rest)
            self.res.x[rest], self.codes[rest] = game.x, game.codes
            self.segments += game.paths

    def endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """The finite endpoints in the whole network's variables, every point of each orbit, and the
        path (index into x0) each comes from."""
        R = len(self.x0) // len(self.pats)
        orbit = len(sign_vectors(self.sub))
        ok = np.flatnonzero(self.codes == ReturnCode.SUCCESS)
        pts = [self.pats[k // R].embed(expand_orbits(self.sub, self.res.x[k:k + 1])) for k in ok]
        return (np.vstack(pts) if pts else np.zeros((0, self.pats[0].network.N), complex)), np.repeat(ok, orbit)


def track_special(generic: MonodromySolution, instance: Instance, rng: np.random.Generator,
                  progress: Progress | None = None, options: TrackerOptions | None = None,
                  endgame: EndgameOptions | None = None) -> RawSolutions:
    """Every isolated critical point of an instance with special data, by the coefficient-parameter
    homotopy from the generic solutions (docs/design.md §5a).

    Each generic solution (every pattern's torus points and the origin) is tracked to the instance in
    its pattern's variables, which is the path of the whole system (the pattern's coordinate subspace
    is invariant along the homotopy). Paths that do not end at a regular point go through the Cauchy
    endgame (:mod:`linnet_cli.homotopy.endgame`), which tells finite endpoints from paths to infinity. The finite
    endpoints are grouped into points (:mod:`linnet_cli.homotopy.endpoints`): each isolated point, with the
    number of paths that reach it as its multiplicity, and the points of positive-dimensional solution
    sets, which are reported and not counted. A regular point that several paths reach shows a path
    that jumped: those paths are tracked again, more carefully at each level (RETRACK_LEVELS); what
    still coincides counts as failed. The zero pattern of each point is its actual zero set."""
    net = instance.network
    system = GradientSystem(net)
    params = Parameters.from_instance(instance)
    families: list[_PatternPaths] = []
    for k, (widths, pats) in enumerate(generic.groups.items()):
        tor = generic.torus[widths]
        if len(tor.representatives):
            lam = np.repeat(np.stack([instance.lambda_flat[p.coordinates] for p in pats]), len(tor.representatives),
                            axis=0)
            fam = _PatternPaths(Network(widths), pats, (tor.X, tor.Y, tor.lam), (instance.X, instance.Y, lam),
                                np.tile(tor.representatives, (len(pats), 1)))
            fam.track(options, endgame)
            families.append(fam)
        if progress is not None:
            progress("parameter homotopy", k + 1, len(generic.groups))
    careful = options or TrackerOptions()
    for level in range(RETRACK_LEVELS + 1):
        ends, owner = [np.zeros((1, net.N), complex)], [np.array([-1])]      # the origin's path: constant
        for f, fam in enumerate(families):
            pts, paths = fam.endpoints()
            ends.append(pts)
            owner.append(paths * len(families) + f)
        owners = np.concatenate(owner)
        groups = group_endpoints(system, params, np.vstack(ends), rng, options)
        jumped = [g for g in groups if g.regular and g.multiplicity > 1]
        if not jumped or level == RETRACK_LEVELS:
            break
        careful = careful.careful()
        suspects = np.unique(np.concatenate([owners[g.paths] for g in jumped]))
        for f, fam in enumerate(families):
            mine = suspects[(suspects >= 0) & (suspects % len(families) == f)] // len(families)
            if len(mine):
                fam.retrack(mine, careful, endgame)
    failed: dict[str, int] = defaultdict(int)
    diverged = 0
    for fam in families:
        orbit = len(sign_vectors(fam.sub))
        for code in fam.codes[fam.codes != ReturnCode.SUCCESS]:
            if code == ReturnCode.AT_INFINITY:
                diverged += orbit
            else:
                failed[code.value] += orbit
    if jumped:
        failed[ReturnCode.DUPLICATE.value] += sum(g.multiplicity - 1 for g in jumped)
    isolated = [g for g in groups if not g.positive_dimensional]
    on_sets = [g for g in groups if g.positive_dimensional]
    points = np.array([g.point for g in isolated]).reshape(-1, net.N)
    of_point = [ZeroPattern.of_point(net, w) for w in points]
    patterns = list(dict.fromkeys(of_point))
    pid = {p: i for i, p in enumerate(patterns)}
    raw = RawSolutions(points, np.array([pid[p] for p in of_point], int), patterns,
                       1 + sum(fam.segments for fam in families), dict(failed),
                       np.array([g.point for g in on_sets]).reshape(-1, net.N))
    raw.multiplicity = np.array([g.multiplicity for g in isolated], int)
    raw.diverged = diverged
    raw.positive_dimensional = [PositiveDimensional(g.point, g.multiplicity, g.corank) for g in on_sets]
    return raw


class NativeEngine:
    """The default engine: compiled path tracking (numba), no Julia needed. ``trace_test`` checks every
    monodromy set for completeness (:mod:`linnet_cli.homotopy.trace_test`); ``monodromy`` and ``tracker`` set
    the monodromy search and the path tracker (None: the defaults)."""

    name = "native"

    def __init__(self, trace_test: bool = True, monodromy: MonodromyOptions | None = None,
                 tracker: TrackerOptions | None = None) -> None:
        self.trace_test = trace_test
        self.monodromy = monodromy or MonodromyOptions()
        self.tracker = tracker

    def available(self) -> tuple[bool, str]:
        from importlib.metadata import version
        return True, f"numpy {np.__version__}, numba {version('numba')} (compiled path tracker)"

    def prepare(self) -> None:
        """Compile the path tracker in a child process when numba's cache holds none
        (:func:`~linnet_cli.homotopy.tracker.compile_in_background`)."""
        compile_in_background()

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        """Monodromy with the instance's own data, then a homotopy in Λ alone to the instance; for
        special data (:func:`~linnet_cli.model.generic_locus.special_features`), which that assumes away,
        the homotopy in (X, Y, Λ) from a generic solve instead (:func:`track_special`). The paths that
        needed extended precision or the endgame are counted (:mod:`linnet_cli.homotopy.tally`)."""
        with tally() as paths:
            raw = self._solve(instance, rng, progress)
        raw.extended_paths, raw.endgame_paths = paths.extended, paths.endgame
        return raw

    def _solve(self, instance: Instance, rng: np.random.Generator, progress: Progress | None) -> RawSolutions:
        special = special_features(instance)
        if special:
            return self._solve_special(instance, special, rng, progress)
        generic = monodromy_solution(instance.network, instance.X, instance.Y, rng, progress, self.trace_test,
                                     self.monodromy, self.tracker)
        raw = track_to(generic, [instance], progress, self.tracker)[0]
        raw.paths_tracked += generic.paths_tracked
        raw.monodromy_failed_loops = sum(generic.failed.values())
        raw.notes.extend(_loop_limit_notes(generic))
        raw.completeness = generic.parts()
        if (raw.singular is not None and len(raw.singular)) or raw.failed.get(ReturnCode.AT_INFINITY.value):
            return self._solve_again(instance, raw, rng, progress)
        return raw

    def _solve_again(self, instance: Instance, fast: RawSolutions, rng: np.random.Generator,
                     progress: Progress | None) -> RawSolutions:
        """The homotopy from generic data, for data whose fast solve left paths that ended singular or
        went to infinity (after the endgame, :func:`settle`). Data on the discriminant (critical points
        meet, or one goes to infinity) show no feature that :func:`special_features` names, only such
        paths; the homotopy from generic data is right for them too and says what they are. Paths that
        only failed numerically do not come here: a generic solve at complex data costs several times
        the fast one (widths 3,3,3 with m = 2: 335 s against 50 s) and meets the same limits of double
        precision."""
        meet = (0 if fast.singular is None else len(fast.singular)) + fast.failed.get(ReturnCode.AT_INFINITY.value, 0)
        raw = self._solve_special(instance, [f"{meet} path(s) of the solve at the data's own X and Y ended "
                                             "singular or at infinity, as where critical points meet or go to "
                                             "infinity"], rng, progress)
        raw.paths_tracked += fast.paths_tracked
        multiple = raw.multiplicity is not None and bool((raw.multiplicity > 1).any())
        if raw.diverged:
            # data that show no special feature and lose points to infinity may instead lie near data that
            # do, with critical points of a norm too large to follow (widths 4,1,3,2 with m = 1, seed 1:
            # 16 paths "went to infinity", and moving one λ by 0.01 gives the 289 points of other seeds)
            raw.doubts.append(f"{raw.diverged} path(s) went to infinity at data that show no special feature: "
                              "they may end at critical points of very large norm instead (data near a change "
                              "of the count), and the count is then too low")
        if not (raw.diverged or raw.positive_dimensional or multiple):
            # every point simple and finite: what the fast solve saw was numerical, the data are generic
            raw.special = []
            raw.notes.append(f"{meet} path(s) of the solve at the data's own X and Y ended singular or at "
                             "infinity; the homotopy from generic data found every point simple and finite")
        return raw

    def _solve_special(self, instance: Instance, special: list[str], rng: np.random.Generator,
                       progress: Progress | None) -> RawSolutions:
        """The coefficient-parameter homotopy from a generic solve to special data (:func:`track_special`),
        on the equivalent data with the fewest points."""
        same = equivalent_data(instance)
        generic = self.generic_solve(same.network, same.m, rng, progress)
        raw = track_special(generic, same, rng, progress, self.tracker)
        raw.special = special
        raw.paths_tracked += generic.paths_tracked
        raw.monodromy_failed_loops = sum(generic.failed.values())
        raw.notes.extend(_loop_limit_notes(generic))
        raw.completeness = generic.parts()
        return raw

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> MonodromySolution:
        """Monodromy at random complex (X_0, Y_0): the start of homotopies in (X, Y, Λ)."""
        X0 = (rng.normal(size=(network.dx, m)) + 1j * rng.normal(size=(network.dx, m))) / np.sqrt(2)
        Y0 = (rng.normal(size=(network.dy, m)) + 1j * rng.normal(size=(network.dy, m))) / np.sqrt(2)
        return monodromy_solution(network, X0, Y0, rng, progress, self.trace_test, self.monodromy, self.tracker)

    def track_instances(self, generic: MonodromySolution, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        raws = track_to(generic, instances, progress, self.tracker)
        parts = generic.parts()
        for raw in raws:
            raw.notes.extend(_loop_limit_notes(generic))
            raw.completeness = parts
        return raws


def _loop_limit_notes(generic: MonodromySolution) -> list[str]:
    """A note for every sub-network whose monodromy stopped at its loop limit."""
    notes = []
    for w, t in generic.torus.items():
        if t.hit_loop_limit:
            notes.append(f"monodromy for sub-network {widths_text(w)} stopped at its loop limit: "
                         "its count may be incomplete")
    return notes

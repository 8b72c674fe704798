"""The trace test: it passes on complete monodromy sets and catches a missing orbit; completeness levels."""
import numpy as np
import pytest

from linnet_cli.homotopy import monodromy
from linnet_cli.checks.completeness import Status
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli import solve
from linnet_cli.homotopy.trace_test import TRACE_TOL, TraceTest

SHAPES = [((2, 2, 2), 1), ((1, 2, 2), 1), ((2, 1, 2, 2), 2), ((2, 2, 2), 2)]


def _fiber(widths, m, seed):
    net = Network(widths)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(net.dx, m)) + 0j
    Y = rng.normal(size=(net.dy, m)) + 0j
    tor = monodromy.monodromy_solve(net, X, Y, rng)
    return net, X, Y, tor, rng


@pytest.mark.parametrize("widths,m", SHAPES)
def test_complete_set_passes_and_a_missing_orbit_fails(widths, m):
    net, X, Y, tor, rng = _fiber(widths, m, seed=3)
    test = TraceTest(net, X, Y, tor.lam, rng)
    for _ in range(3):              # as monodromy would: check, search on, check again
        full = test.check(tor.representatives)
        if full.passed:
            break
    assert full.passed and full.residual <= TRACE_TOL and full.fiber == tor.count and full.extras > 0
    drops = [test.residual(np.delete(tor.representatives, drop, axis=0)) for drop in range(len(tor.representatives))]
    assert min(drops) > 10 * TRACE_TOL
    # a pass requires every orbit's share (what dropping it leaves) to stand above the tolerance
    share = test._traces(test._fiber(tor.representatives)).share
    assert 0.5 * min(drops) <= share.max(axis=1).min() <= 2 * min(drops)
    assert not test.check(tor.representatives[1:]).passed


@pytest.mark.parametrize("coord,count", [(2, 8), (3, 8), (4, 12), (7, 12)])
def test_extra_witness_count_is_the_degree_of_the_curve(coord, count):
    """The extra witnesses of d = d_x = d_y = 2 along Δ = e_i are the torus solutions of the other seven
    equations and a·W = c for a form on one neuron's inputs. Singular over GF(32003) counts 8 of them for
    i in the other neuron's inputs and 12 for i in W_2 (the seed-1 system of `linnet emit --format
    singular` with equation i replaced by such a form), whatever the seed."""
    counts = set()
    for seed in (1, 2):
        net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed)
        test = TraceTest(net, X, Y, tor.lam, rng)
        test._draw_slice(np.zeros((0, net.N + 1), complex))
        test.support, test.delta = np.array([coord]), np.eye(net.N)[coord] * (0.6 + 0.8j)
        counts.add(test.check(tor.representatives).extras)
    assert counts == {count}


@pytest.mark.parametrize("widths,m", [((2, 2, 2), 1), ((2, 1, 2, 2), 2), ((2, 2, 2, 2), 1)])
def test_solves_report_trace_test_completeness(widths, m):
    res = solve(random_instance(Network(widths), m=m, seed=4), seed=4)
    c = res.completeness
    assert c.overall == Status.TRACE_TEST and res.n_failed == 0
    assert all(p.status in (Status.TRACE_TEST, Status.RANK_TEST) for p in c.parts)
    assert {tuple(p.widths) for p in c.parts} == {tuple(w) for w in (res.to_dict()["completeness"]["parts"][i]["widths"]
                                                                      for i in range(len(c.parts)))}
    assert res.to_dict()["completeness"]["overall"] == "trace test"


def test_non_dominant_sub_networks_are_settled_by_the_rank_test():
    res = solve(random_instance(Network.uniform(3, 2, 1), seed=1), seed=1)   # d > d_y: no torus points
    parts = {p.widths: p for p in res.completeness.parts}
    assert parts[(2, 3, 1)].status == Status.RANK_TEST and parts[(2, 3, 1)].torus_count == 0


def test_without_the_trace_test_counts_are_not_verified():
    res = solve(random_instance(Network.uniform(2, 2, 2), seed=1), engine=_native(trace_test=False), seed=1)
    assert (res.n_complex, res.n_torus) == (33, 16)
    assert res.completeness.overall == Status.NOT_VERIFIED


def _native(trace_test: bool):
    from linnet_cli.engines import EngineSpec
    return EngineSpec("native", trace_test=trace_test)




def test_pencils_that_keep_failing_make_the_check_inconclusive_and_stop_monodromy(monkeypatch):
    """When the traces cannot be computed (every pencil has failed paths), the check says so after
    PENCIL_STALL rounds on each of SLICE_TRIES slices, and monodromy stops there instead of looping to its limit;
    the count is then reported as not verified, with the reason."""
    import linnet_cli.homotopy.trace_test as tt
    calls = []

    def broken(self, fiber, *span):
        calls.append(len(fiber))
        return tt.Traces.failed("1 path(s) of the pencil failed")

    monkeypatch.setattr(tt.TraceTest, "_traces", broken)
    res = solve(random_instance(Network((2, 2, 2)), seed=5), seed=5)
    part = next(p for p in res.completeness.parts if p.widths == (2, 2, 2))
    assert part.status == Status.NOT_VERIFIED and part.reason.startswith("inconclusive: 1 path(s) of the pencil")
    assert res.completeness.overall == Status.NOT_VERIFIED
    checked = [p for p in res.completeness.parts if p.status != Status.RANK_TEST]
    assert all(p.reason.startswith("inconclusive") for p in checked)
    # one check per sub-network, then its monodromy stopped
    assert len(calls) == len(checked) * tt.SLICE_TRIES * tt.PENCIL_STALL * tt.PENCIL_TRIES
    assert res.n_complex == 33 and not any("loop limit" in w for w in res.warnings)


def test_pencils_that_fail_are_tried_shorter(monkeypatch):
    """After a pencil whose paths fail, the next is shorter (SHORT_PENCIL): points of C that run off at
    some τ beyond a short pencil stay out of its way (widths 4,1,1,1,10 with m = 3, seed 1: a fiber point
    of norm 33 reached 9e4 on every pencil at 0.5; shorter, the check passed). The check then passes as
    it would, on the traces of the shorter pencil."""
    import linnet_cli.homotopy.trace_test as tt
    net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed=3)
    real, spans = tt.TraceTest._traces, []

    def long_ones_fail(self, fiber, span=tt.PENCIL_SPAN):
        spans.append(span)
        if span >= tt.PENCIL_SPAN:
            return tt.Traces.failed("1 path(s) of the pencil failed")
        return real(self, fiber, span)

    monkeypatch.setattr(tt.TraceTest, "_traces", long_ones_fail)
    res = TraceTest(net, X, Y, tor.lam, rng).check(tor.representatives)
    assert res.passed
    assert spans[:2] == [tt.PENCIL_SPAN, tt.PENCIL_SPAN * tt.SHORT_PENCIL]


def test_a_check_that_stalled_on_its_last_slice_is_not_repeated_for_the_same_fiber(monkeypatch):
    """Once the search has stalled on the last slice, a check of the same fiber returns the same failure
    at once (nothing can change the traces); a fiber of another size is checked again."""
    import linnet_cli.homotopy.trace_test as tt
    net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed=3)
    calls = []

    def never_collinear(self, fiber, *span):
        calls.append(len(fiber))
        return tt.Traces(np.array([1.0]), np.zeros(1), np.ones((1, 1)))

    monkeypatch.setattr(tt.TraceTest, "_traces", never_collinear)
    test = TraceTest(net, X, Y, tor.lam, rng)
    while test.verdict[1] is None:      # until a check on the last slice finds nothing new
        assert not test.check(tor.representatives).passed
    assert test.slices == tt.SLICE_TRIES and test.stale
    before = len(calls)
    again = test.check(tor.representatives)
    assert not again.passed and again.reason.startswith("traces not collinear") and len(calls) == before
    test.check(tor.representatives[1:])
    assert len(calls) > before


@pytest.mark.parametrize("residual,noise,power,passed", [
    (5e-9, 2e-9, 1e-3, True),       # noisy endpoints: the tolerance rises to NOISE_MARGIN × noise
    (5e-9, 0.0, 1e-3, False),       # the same residual from accurate endpoints fails
    (5e-10, 0.0, 1e-3, True),
])
def test_the_tolerance_follows_the_endpoints_noise(monkeypatch, residual, noise, power, passed):
    import linnet_cli.homotopy.trace_test as tt
    net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed=3)
    monkeypatch.setattr(tt.TraceTest, "_traces",
                        lambda self, fiber, *span: tt.Traces(np.array([residual]), np.array([noise]),
                                                             np.array([[power]])))
    res = TraceTest(net, X, Y, tor.lam, rng).check(tor.representatives)
    assert res.passed == passed and not res.inconclusive
    assert res.tolerance == max(tt.TRACE_TOL, tt.NOISE_MARGIN * noise)


def test_the_result_gives_the_residual_and_tolerance_of_the_function_that_decides():
    """The traces of widths 2,2,2,2 with m = 2, seed 3 (one slice): the first function's residual is far
    above its tolerance, the last one's tolerance is large. The result pairs the residual with the
    tolerance of the same function, not the largest of each (4.1e-5 against 2.1e-5 said "twice the
    tolerance" of traces that are 40,000 times over it)."""
    import linnet_cli.homotopy.trace_test as tt
    traces = tt.Traces(np.array([4.1e-5, 2.1e-5, 1.9e-6]), np.array([0.0, 0.0, 5.1e-6]), np.ones((1, 3)))
    assert not traces.collinear
    assert traces.worst == (4.1e-5, tt.TRACE_TOL)
    passing = tt.Traces(np.array([5e-10, 8e-9]), np.array([0.0, 5e-9]), np.ones((1, 2)))
    assert passing.collinear and passing.worst == (5e-10, tt.TRACE_TOL)


def test_a_slice_along_which_an_orbit_barely_moves_cannot_pass(monkeypatch):
    """Collinear traces do not pass when dropping some known orbit would stay within the tolerance: new
    slices are drawn, and the check ends inconclusive when all of them are like that."""
    import linnet_cli.homotopy.trace_test as tt
    net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed=3)
    monkeypatch.setattr(tt.TraceTest, "_traces", lambda self, fiber, *span: tt.Traces(
        np.array([1e-12, 1e-12]), np.zeros(2), np.array([[1.0, 1.0], [5 * tt.TRACE_TOL, 0.0]])))
    test = TraceTest(net, X, Y, tor.lam, rng)
    res = test.check(tor.representatives)
    assert not res.passed and res.inconclusive and "moves too little" in res.reason
    assert test.slices == tt.SLICE_TRIES


@pytest.mark.parametrize("empty_slices", [1, 3])
def test_a_slice_that_no_free_start_reaches_is_replaced(monkeypatch, empty_slices):
    """Along some directions every free start pair ends singular (widths 2,1,1,2,2 inside 2,2,2,2,2,
    seed 3: the check searched to the loop limit): after EXTRA_STALL empty rounds a new slice is drawn,
    and with none left the check is inconclusive instead of searching on."""
    import linnet_cli.homotopy.trace_test as tt
    net, X, Y, tor, rng = _fiber((2, 2, 2), 1, seed=3)
    search = tt.TraceTest._search_round
    rounds = []

    def nothing_on_early_slices(self, edges):
        rounds.append(self.slices)
        return 0 if self.slices <= empty_slices else search(self, edges)

    monkeypatch.setattr(tt.TraceTest, "_search_round", nothing_on_early_slices)
    res = TraceTest(net, X, Y, tor.lam, rng).check(tor.representatives)
    if empty_slices < tt.SLICE_TRIES:
        assert res.passed and res.extras > 0
    else:
        assert not res.passed and res.inconclusive and res.reason.startswith("inconclusive: no extra witness")
    assert rounds.count(1) == tt.EXTRA_STALL


@pytest.mark.parametrize("fails_at", [None, 8.0])
def test_a_faint_orbit_gets_pencils_up_to_32_times_as_long(monkeypatch, fails_at):
    """Collinear traces in which some orbit's share stays below DETECT_MARGIN times the tolerance are
    retaken on pencils twice as long, up to 32 times the first (its share grows with the span, as it
    did for widths 3,2,3 with m = 3, seed 3); a longer pencil that fails keeps the last that worked."""
    from linnet_cli.homotopy.trace_test import PENCIL_SPAN, Traces
    net, X, Y, tor, _ = _fiber((1, 2, 1), 1, 1)
    test = TraceTest(net, X, Y, tor.lam, np.random.default_rng(0))
    spans = []

    def traces(fiber, span=PENCIL_SPAN):
        spans.append(span)
        if span == fails_at:
            return Traces.failed("1 path(s) of the pencil failed")
        return Traces(np.array([1e-11]), np.zeros(1), np.array([[0.4 * span * TRACE_TOL]]))   # power 0.4·span
    monkeypatch.setattr(test, "_traces", traces)
    best = test._pencil(np.zeros((2, net.N + 1)))
    if fails_at is None:
        assert spans == [0.5, 1, 2, 4, 8, 16, 32] and best.power == pytest.approx(12.8)
    else:
        assert spans == [0.5, 1, 2, 4, 8] and best.power == pytest.approx(1.6) and not best.reason


def test_a_new_slice_moves_every_known_orbit():
    """Δ's coordinates give every fiber point a weight of MOVING_WEIGHT times its largest outside
    neuron n_0's inputs: one random coordinate for points without small weights, and two for points
    near two different dead-neuron patterns (as on widths 2,2,2,2 with m = 2), outside the last layer
    where they can be, never n_0's inputs."""
    from linnet_cli.homotopy.trace_test import MOVING_WEIGHT
    net = Network((2, 2, 2, 2))
    test = TraceTest(net, np.zeros((2, 2)), np.zeros((2, 2)), np.ones(net.N), np.random.default_rng(0))
    generic = np.ones((6, net.N + 1), complex)
    drawn = {int(test._support(generic)[0]) for _ in range(40)}
    assert drawn == set(range(2, net.N))                   # one coordinate, any outside W_1's first row
    near = np.full((2, net.N + 1), 1e-4, complex)          # weights of 10 on 6, 9, 11 and on 4, 8, 10 only
    near[0, [0, 1, 6, 9, 11]] = near[1, [0, 1, 4, 8, 10]] = 10.0
    # of the pairs that move both, the one outside the last layer W_3 (coordinates 8–11)
    assert {tuple(sorted(test._support(np.vstack([generic, near])))) for _ in range(20)} == {(4, 6)}
    near[:, [4, 6]] = 1e-4
    assert {tuple(sorted(test._support(near))) for _ in range(20)} == {(8, 9), (8, 11), (9, 10), (10, 11)}
    near[0, 4] = 10 * MOVING_WEIGHT * 0.9                   # just too small to move the first point
    assert 4 not in {int(c) for _ in range(20) for c in test._support(near[:1])}

"""The search for the most real critical points: its space, its score, the walk, the command."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.engines.base import RawSolutions
from linnet_cli.errors import InputError
from linnet_cli.studies.maxreal import U_LIMIT, Score, max_real, pair_gap, score_raw, search_space
from linnet_cli.model.network import Network
from linnet_cli.model.patterns import dead_neuron_patterns, origin_pattern
from linnet_cli.studies.compute import compute_row
from linnet_cli.studies.rows import RowSpec

#: A small shape where the search beats sampling: H = 2, d = 1, d_x = 1, d_y = 2 (N_C = 33).
SMALL = Network((1, 1, 1, 2))


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_space_keeps_every_instance_in_the_support():
    rng = np.random.default_rng(0)
    net = Network.uniform(2, 2, 3)
    space = search_space(net)
    assert space.size == 2 + 3 + net.N
    for _ in range(50):
        u = rng.normal(scale=5.0, size=space.size)
        inst = space.decode(u, "test")
        lam = inst.lambda_flat
        assert np.all(lam > 0) and np.all(lam < 1)                  # Λ ~ Uniform(0, 1), and Λ > 0
        assert np.allclose(space.encode(inst), np.clip(u, -U_LIMIT, U_LIMIT), atol=1e-9)
    free = search_space(net, allow_negative=True)
    lam = free.decode(np.full(free.size, -3.0), "test").lambda_flat
    assert np.all(lam < 0)                                           # any real Λ with --allow-negative
    positive = search_space(net, distribution="positive")
    lam = positive.decode(rng.normal(scale=5.0, size=positive.size), "test").lambda_flat
    assert np.all(lam > 0.1) and np.all(lam < 1)


def test_restarts_are_drawn_inside_the_space():
    space = search_space(SMALL)
    inst = space.random(np.random.default_rng(1), "restart")
    assert np.all(inst.lambda_flat > 0) and inst.source == "restart"


def test_space_refuses_a_distribution_without_positive_lambda(monkeypatch):
    import linnet_cli.studies.maxreal as mr
    law = {"X": {"law": "normal"}, "Y": {"law": "normal"}, "Lambda": {"law": "uniform", "low": -2.0, "high": -1.0}}
    monkeypatch.setattr(mr, "load_distribution", lambda name: law)
    with pytest.raises(InputError, match="allow_negative"):
        search_space(SMALL, distribution="neg")
    assert np.all(search_space(SMALL, distribution="neg", allow_negative=True).lo == -np.inf)


def test_pair_gap_leaves_out_self_conjugate_orbits():
    net = Network((1, 1, 1))
    torus = dead_neuron_patterns(net)[0]
    imaginary = np.array([[0.5j, 1.5j]])          # conj(w) = −w: the neuron's sign flip, never real
    assert pair_gap(imaginary, [torus]) == np.inf
    near = np.array([[1 + 0.01j, 2.0]])
    assert pair_gap(near, [torus]) == pytest.approx(0.01 / np.linalg.norm(near))
    assert pair_gap(np.vstack([imaginary, near]), [torus, torus]) == pytest.approx(0.01 / np.linalg.norm(near))
    assert pair_gap(np.zeros((0, 2)), []) == np.inf


def test_score_of_raw_solutions():
    net = Network((1, 1, 1))
    pats = [origin_pattern(net), dead_neuron_patterns(net)[0]]
    pts = np.array([[0, 0], [1.0, 2.0], [-1.0, -2.0], [1 + 0.1j, 2], [1 - 0.1j, 2]], complex)
    raw = RawSolutions(pts, np.array([0, 1, 1, 1, 1]), pats, 5)
    s = score_raw(raw, 5)
    assert (s.n_real, s.n_points, s.complete) == (3, 5, True) and s.gap == pytest.approx(0.1 / np.linalg.norm(pts[3]))
    failed = score_raw(RawSolutions(pts, np.array([0, 1, 1, 1, 1]), pats, 6, {"diverged": 1}), 5)
    assert not failed.complete and failed.key < Score(0, 5, True, np.inf).key
    assert not score_raw(raw, 7).complete                              # fewer points than N_C
    assert Score(3, 5, True, 0.1).key > Score(3, 5, True, 0.2).key > Score(1, 5, True, 0.0).key


def test_search_raises_the_sampled_maximum_and_does_not_depend_on_jobs():
    one = max_real(SMALL, samples=8, budget=64, seed=2, jobs=1, certify=True)
    assert one.n_complex == 33 and one.record > one.sampled_max and one.found_by == "search"
    assert one.record % 2 == 1 and one.record <= one.n_complex                  # the parity of N_C
    assert sum(p.is_real for p in one.points) == one.record and len(one.points) == 33
    assert one.certification.n_certified_real == one.record
    assert [r for _, _, r in one.history] == sorted(r for _, _, r in one.history)
    assert one.published == 9 and one.published_table.startswith("Table 3.2")
    two = max_real(SMALL, samples=8, budget=64, seed=2, jobs=2)
    assert (two.record, two.candidates, [c for c, _, _ in two.history]) == \
        (one.record, one.candidates, [c for c, _, _ in one.history])
    for a, b in zip(one.instance.Lambda + (one.instance.X, one.instance.Y),
                    two.instance.Lambda + (two.instance.X, two.instance.Y)):
        assert np.array_equal(a, b)


def test_table_search_is_the_same_search():
    r = compute_row(RowSpec(SMALL, 1), samples=8, seed=5, bkk=False, search=32)
    m = max_real(SMALL, samples=8, budget=32, seed=5)
    assert (r.max_N_R, r.search_max_N_R, r.search_candidates) == (m.sampled_max, m.record, m.candidates)
    assert r.certified_max_N_R == m.record and r.certified_N_C == 33


def test_target_stops_the_search():
    res = max_real(Network((1, 1, 1)), samples=4, budget=640, seed=1, target=1)
    assert res.candidates == 0 and res.found_by == "sampling" and res.record >= 1


def test_maxreal_command_saves_an_instance_that_solve_reproduces(tmp_path):
    inst = tmp_path / "record.json"
    res = run("maxreal", "--widths", "1,1,1,2", "--samples", "8", "--budget", "64", "--seed", "2", "--jobs", "1",
              "--certify", "--save-instance", str(inst), "--format", "json", "-q")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["schema"] == "linnet.maxreal/1" and obj["N_C"] == 33
    assert obj["record_N_R"] > obj["sampled_max_N_R"] and obj["certified_real"] == obj["record_N_R"]
    assert obj["published_max_N_R"] == 9 and obj["instance"]["widths"] == [1, 1, 1, 2]
    solved = run("solve", "--data", str(inst), "--seed", "2", "--no-bkk", "--format", "json", "-q")
    assert solved.exit_code == 0, solved.output
    again = json.loads(solved.stdout)
    assert (again["n_real"], again["n_complex"], again["n_failed"]) == (obj["record_N_R"], 33, 0)


def test_maxreal_terminal_and_csv_output():
    res = run("maxreal", "--d", "1", "--dx", "1", "--dy", "2", "--samples", "4", "--budget", "32", "--seed", "3",
              "--jobs", "1", "-q")
    assert res.exit_code == 0, res.output
    assert "linnet maxreal" in res.stdout and "record N_R" in res.stdout and "published max N_R" in res.stdout
    assert "3 (Table 3.1" in res.stdout                               # d=1, d_x=1, d_y=2: published 3
    csv = run("maxreal", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "4", "--budget", "0", "--seed", "3",
              "--format", "csv", "-q")
    assert csv.exit_code == 0, csv.output
    head, line = csv.stdout.splitlines()[:2]
    assert "record_N_R" in head.split(",") and "history" not in head.split(",")


@pytest.mark.parametrize("args,message", [
    (["--save-instance", "x.txt"], "--save-instance"),
    (["--budget", "-1"], "--budget"),
    (["--distribution", "nope"], "unknown distribution"),
    (["--widths", "1,1,1", "--d", "2"], "--widths"),
    (["--m", "0"], "--m"),
    (["--chains", "0"], "--chains"),
    (["--engine", "nope"], "unknown engine"),
])
def test_maxreal_bad_input(args, message):
    res = run("maxreal", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "2", "--budget", "0", *args)
    assert res.exit_code == 2, (args, res.output)
    assert message in res.stderr and "Traceback" not in res.output


def _synthetic(calls: list[int], stop_at: int | None = None):
    """A stand-in for the tracker: N_R = 1 + 2 · (entries of Λ above 0.8), gap = distance of the largest
    entry below 0.8 from 0.8. Raises KeyboardInterrupt at call ``stop_at``."""
    def evaluate(batches):
        calls.append(len(batches))
        if stop_at is not None and len(calls) == stop_at:
            raise KeyboardInterrupt
        out = []
        for b in batches:
            scores = []
            for inst in b:
                lam = inst.lambda_flat
                below = lam[lam <= 0.8]
                scores.append(Score(1 + 2 * int(np.sum(lam > 0.8)), 9, True,
                                    float(0.8 - below.max()) if len(below) else np.inf))
            out.append(scores)
        return out
    return evaluate


def test_walk_on_a_synthetic_score_and_ctrl_c():
    from linnet_cli.model.instance import random_instance
    from linnet_cli.studies.maxreal import search
    net = Network((1, 2, 1))
    space = search_space(net)
    starts = [(inst, Score(1, 9, True, 1.0)) for inst in
              (random_instance(net, seed=s) for s in range(3))]
    calls: list[int] = []
    out = search(_synthetic(calls), space, starts, 320, np.random.default_rng(0), n_complex=9, chains=2, batch=4)
    assert out.record.score.n_real == 9
    assert out.record.score.n_real == 1 + 2 * int(np.sum(out.record.instance.lambda_flat > 0.8))
    assert out.candidates == 8 * len(calls) and calls == [2] * len(calls) and out.candidates < 320   # stops at N_C
    with pytest.raises(KeyboardInterrupt):
        search(_synthetic([], stop_at=2), space, starts, 320, np.random.default_rng(0), n_complex=9)
    cut = search(_synthetic([], stop_at=3), space, starts, 320, np.random.default_rng(0), n_complex=9, chains=2,
                 batch=4, stop_on_interrupt=True)
    assert cut.interrupted and cut.generations == 2 and cut.candidates == 16
    assert cut.record.score.n_real >= 1

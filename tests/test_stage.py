"""The stage fixed point (6.4)/(6.17a) by case enumeration."""
import itertools

import numpy as np
import pytest

import spbe
from spbe.beliefs import BeliefGrid, ContinuationValue
from spbe.stage import count_cases, iter_cases
from spbe.stage.action_values import offpath_mask

from conftest import random_belief, random_game, random_strategy

XL = 0.2
OFF_LINES = [0.03, 0.1, 0.17, 0.25, 0.4, 0.6, 0.8, 0.97]


def closed_form_delta0(p1, p2):
    """Notes §3.3: set of (p^{1L}, p^{2L}) (H never contributes) and V^1(·, L), V^1(·, H)."""
    c = 1 - XL
    if p1 > XL and p2 > XL:
        return [((1.0, 1.0), (c, 1 - p2))]
    if p1 < XL < p2:
        return [((1.0, 0.0), (c, 0.0))]
    if p2 < XL < p1:
        return [((0.0, 1.0), (1 - p2, 1 - p2))]
    return [((1.0, 0.0), (c, 0.0)), ((0.0, 1.0), (1 - p2, 1 - p2)),
            ((c / (1 - p1), c / (1 - p2)), (c, c))]


@pytest.mark.parametrize("p1, p2", list(itertools.product(OFF_LINES, OFF_LINES)))
def test_public_goods_delta0_closed_form(p1, p2):
    g = spbe.examples.public_goods(0.0)
    res = spbe.stage_equilibria(g, (p1, p2))
    expected = closed_form_delta0(p1, p2)
    assert res.success and res.complete
    assert len(res) == len(expected)
    for (q1, q2), (vL, vH) in expected:
        matches = [s for s in res if abs(s.prob(0, 1) - q1) < 1e-9 and abs(s.prob(1, 1) - q2) < 1e-9]
        assert len(matches) == 1, f"missing solution p1L={q1}, p2L={q2}"
        s = matches[0]
        assert s.prob(0, 0) == 0.0 and s.prob(1, 0) == 0.0         # type H never contributes
        assert s.values[0][1] == pytest.approx(vL, abs=1e-9)
        assert s.values[0][0] == pytest.approx(vH, abs=1e-9)
        assert s.residual <= 1e-9
    region_d = p1 < XL and p2 < XL
    assert (len(res) == 3) == region_d


def test_case_counts():
    pg = spbe.examples.public_goods(0.0)
    assert count_cases(pg) == 3 ** 4 == 81
    cg = spbe.examples.contribution_game(0.0)
    assert count_cases(cg) == 7 ** 6
    g = random_game(np.random.default_rng(0), (2, 3), (3, 2))
    cases = list(iter_cases(g))
    assert len(cases) == len(set(cases)) == count_cases(g) == 7 ** 2 * 3 ** 3
    unknowns = [sum(len(s) - 1 for s in c) for c in cases]
    assert unknowns == sorted(unknowns)
    # public goods: 16 + 32 + 24 + 8 + 1 by the number of interior variables (thesis §6)
    counts = np.bincount([sum(len(s) - 1 for s in c) for c in iter_cases(pg)])
    assert counts.tolist() == [16, 32, 24, 8, 1]


@pytest.mark.parametrize("n_types, n_actions, markov", [
    ((2, 2), (2, 2), False), ((3, 2), (2, 2), True), ((2, 2), (3, 2), False), ((2, 2, 2), (2, 2, 2), False),
    ((3, 3), (3, 3), False),
])
def test_action_values_numba_matches_numpy(n_types, n_actions, markov, rng):
    g = random_game(rng, n_types, n_actions, delta=0.8, markov=markov)
    grid = BeliefGrid(g, 4)
    V = ContinuationValue(grid, rng.normal(size=(grid.n_nodes, g.n_agents, max(n_types))))
    for _ in range(5):
        b = random_belief(rng, n_types)
        s = random_strategy(rng, n_types, n_actions)
        if rng.random() < 0.5:                              # some zero-probability actions
            s[0][:, 0] = 0.0
            s[0][:, 1] = 1 - s[0][:, 2:].sum(axis=1) if n_actions[0] > 2 else 1.0
        u_nb = spbe.action_values(g, b, s, V, backend="numba")
        u_np = spbe.action_values(g, b, s, V, backend="numpy")
        u_fn = spbe.action_values(g, b, s, lambda p: V(p, backend="numpy"), backend="numpy")
        for a, c, d in zip(u_nb, u_np, u_fn):
            np.testing.assert_allclose(a, c, atol=1e-12)
            np.testing.assert_allclose(a, d, atol=1e-12)


def _independent_gain(game, belief, strategy, V):
    """Best-response gain recomputed with the numpy reference path."""
    U = spbe.action_values(game, belief, strategy, V, backend="numpy")
    return max(float((u.max(axis=1) - (g * u).sum(axis=1)).max()) for u, g in zip(U, strategy))


@pytest.mark.parametrize("n_types, n_actions, markov, max_unknowns", [
    ((2, 2), (2, 2), False, None),
    ((2, 2), (2, 2), True, None),
    ((3, 2), (2, 2), False, 3),
    ((2, 2), (3, 3), True, 2),
    ((2, 2, 2), (2, 2, 2), False, 2),
    ((3, 3), (3, 3), False, 1),
])
def test_solutions_satisfy_best_response_on_random_games(n_types, n_actions, markov, max_unknowns, rng):
    found = 0
    for trial in range(3):
        g = random_game(rng, n_types, n_actions, delta=0.9, markov=markov)
        grid = BeliefGrid(g, 3)
        V = ContinuationValue(grid, rng.uniform(0, 5, (grid.n_nodes, g.n_agents, max(n_types))))
        b = random_belief(rng, n_types)
        res = spbe.stage_equilibria(g, b, V, max_unknowns=max_unknowns, check_e1=False)
        for s in res:
            assert s.residual <= 1e-9
            assert _independent_gain(g, b, s.strategy, V) <= 1e-9
            for gam in s.strategy:
                np.testing.assert_allclose(gam.sum(axis=1), 1.0, atol=1e-12)
                assert gam.min() >= 0
        found += len(res)
    assert found > 0


@pytest.mark.parametrize("n_types, n_actions", [((2, 2), (2, 2)), ((2, 3), (2, 2)), ((2, 2), (3, 2))])
def test_delta0_two_agent_games_always_have_a_solution(n_types, n_actions, rng):
    """At δ = 0 the stage game is a finite Bayesian game: an equilibrium exists (Nash)."""
    for _ in range(4):
        g = random_game(rng, n_types, n_actions, delta=0.0)
        b = random_belief(rng, n_types)
        res = spbe.stage_equilibria(g, b)
        assert res.success
        assert res.e1.holds
        for s in res:
            assert _independent_gain(g, b, s.strategy, None) <= 1e-9


def test_iid_types_reduce_to_the_one_shot_game(rng):
    """Test A3: with i.i.d. types F ≡ ν, so the continuation adds a constant and the stage
    equilibria are those of δ = 0."""
    g0 = spbe.examples.markov_public_goods(0.0, switch=1.0, stationary=(0.3, 0.7))
    g = spbe.examples.markov_public_goods(0.9, switch=1.0, stationary=(0.3, 0.7))
    grid = BeliefGrid(g, 5)
    V = ContinuationValue(grid, rng.uniform(0, 10, (grid.n_nodes, 2, 2)))
    for b in [(0.1, 0.15), (0.5, 0.3), (0.9, 0.05)]:
        a = spbe.stage_equilibria(g0, b)
        c = spbe.stage_equilibria(g, b, V)
        assert len(a) == len(c) > 0
        for s in a:
            assert any(all(np.allclose(x, y, atol=1e-9) for x, y in zip(s.strategy, t.strategy)) for t in c)


def test_first_only_and_reference_selection():
    g = spbe.examples.public_goods(0.0)
    b = (0.1, 0.15)
    allsol = spbe.stage_equilibria(g, b)
    mixed = [s for s in allsol if s.n_unknowns == 2][0]
    first = spbe.stage_equilibria(g, b, first_only=True)
    assert len(first) == 1 and not first.complete
    assert first.n_cases_tried < first.n_cases
    near = spbe.stage_equilibria(g, b, reference=[np.array(s) + 0.0 for s in mixed.strategy])
    assert near.selected.label == mixed.label
    assert near.n_cases_tried == 81
    quick = spbe.stage_equilibria(g, b, reference=mixed.strategy, first_only=True)
    assert quick.selected.label == mixed.label and quick.n_cases_tried == 1
    ordered = spbe.stage_equilibria(g, b, order=[allsol[1].case], first_only=True)
    assert ordered.selected.label == allsol[1].label


def test_numba_and_numpy_solvers_agree(rng):
    g = spbe.examples.public_goods(0.7)
    grid = BeliefGrid(g, 6)
    V = ContinuationValue(grid, rng.uniform(0, 3, (grid.n_nodes, 2, 2)))
    a = spbe.stage_equilibria(g, (0.3, 0.55), V, backend="numba", check_e1=False)
    c = spbe.stage_equilibria(g, (0.3, 0.55), V, backend="numpy", check_e1=False)
    assert [s.label for s in a] == [s.label for s in c]
    for s, t in zip(a, c):
        for x, y in zip(s.strategy, t.strategy):
            np.testing.assert_allclose(x, y, atol=1e-8)


def test_e1_holds_without_jumps_and_fails_with_a_signalling_value(rng):
    g = spbe.examples.public_goods(0.9)
    grid = BeliefGrid(g, 5)
    constant = ContinuationValue(grid, np.ones((grid.n_nodes, 2, 2)))
    res = spbe.stage_equilibria(g, (0.3, 0.4), constant)
    assert res.e1.holds and res.e1.points_checked > 0
    # V^1 rewards being believed H: then contributing (which reveals L) jumps in value
    nodes = grid.nodes()
    vals = np.zeros((grid.n_nodes, 2, 2))
    vals[:, 0, :] = 5 * nodes[:, 0, :1]
    vals[:, 1, :] = 5 * nodes[:, 1, :1]
    res = spbe.stage_equilibria(g, (0.3, 0.4), ContinuationValue(grid, vals))
    assert not res.e1.holds
    v = res.e1.violations[0]
    assert v["f_at_point"] * v["f_nearby"] < 0
    # degenerate beliefs: the update has no jump
    assert spbe.stage_equilibria(g, (1.0, 0.0), ContinuationValue(grid, vals)).e1.holds


def test_offpath_mask_uses_support_of_belief():
    g = spbe.examples.public_goods(0.5)
    pb = g.padded_belief((1.0, 0.5))
    gamma = g.padded_strategy(([[1, 0], [0, 1]], [[1, 0], [1, 0]]))
    mask = offpath_mask(g, pb, gamma)
    # agent 1 is known to be H, who never contributes: contributing is off-path
    assert mask[0].tolist() == [False, True]
    assert mask[1].tolist() == [False, True]


def test_stage_result_records_settings():
    g = spbe.examples.public_goods(0.0)
    res = spbe.stage_equilibria(g, (0.5, 0.5), tol=1e-10, n_starts=3)
    assert res.parameters["tol"] == 1e-10 and res.parameters["n_starts"] == 3
    assert res.method == "case-enumeration" and res.n_evaluations > 0
    with pytest.raises(Exception):
        res.success = False                                     # frozen

"""The verification measures the game, not the grid: the strategy as played between the nodes,
its value on a finer check grid, and Monte-Carlo returns that use no interpolation at all."""
import dataclasses
import math

import numpy as np
import pytest

import spbe
from spbe.beliefs.grid import BeliefGrid
from spbe.solvers.monte_carlo import monte_carlo_values, truncation_horizon
from spbe.solvers.policy_evaluation import evaluate_policy
from spbe.solvers.verification import verify


@pytest.fixture(scope="module")
def pg05():
    return spbe.solve(spbe.examples.public_goods(0.5), grid=11, verify=False)


def test_truncation_horizon_bounds_the_neglected_tail():
    for delta, r in ((0.5, 1.0), (0.95, 1.0), (0.95, 3.0), (0.99, 0.5)):
        H = truncation_horizon(delta, r, 1e-6)
        assert delta ** H * r / (1 - delta) < 1e-6 <= delta ** (H - 1) * r / (1 - delta)
    assert truncation_horizon(0.95, 1.0) == 328 and truncation_horizon(0.0, 1.0) == 1


def test_a_wrong_prescription_off_the_grid_is_caught_while_the_grid_is_fine(pg05):
    """A grid fixed point that plays 'both types contribute' at every off-grid belief: type H pays
    0.2 for a good the other agent provides anyway. The nodes are untouched, so the grid's own
    check passes; the game-level check and the Monte-Carlo deviation gains do not."""
    bad = dataclasses.replace(pg05)

    def pooling(beliefs, k):
        played = np.zeros((len(beliefs),) + pg05.strategy_nodes.shape[2:])
        played[..., 1] = 1.0
        return played, np.zeros(len(beliefs), dtype=np.int64)

    object.__setattr__(bad, "_solve_off_grid", pooling)
    rep = verify(bad, n_paths=0, mc_beliefs=2, mc_paths=40)
    assert rep["grid_epsilon_per_round"] <= 1e-6
    assert rep["epsilon_per_round"] >= 0.5                 # 1.2 in the stage, less δ-weighted futures
    assert rep["gain_per_round"]["share_above_1e_3"] >= 0.7    # every check belief off the grid
    assert rep["monte_carlo"]["deviation_gain_beyond_3se"] >= 0.5
    assert not rep["success"] and "not an equilibrium of the game" in rep["message"]
    # the honest solution passes the same checks
    good = verify(pg05, n_paths=0, mc_beliefs=2, mc_paths=40)
    assert good["epsilon_per_round"] <= 1e-2 and good["monte_carlo"]["deviation_gain_beyond_3se"] <= 1e-6


def test_iid_types_are_verified_exactly():
    """Notes A3: with i.i.d. types F ≡ ν, θ(π) is the stage equilibrium at π and
    V^i(π, x) = u^i(π, x) + δ/(1 − δ) Σ_x' ν(x') u^i(ν, x'). ν = (0.4, 0.6) is a node of the grid."""
    delta = 0.5
    game = spbe.examples.markov_public_goods(delta, switch=1.0, stationary=(0.4, 0.6))
    eq = spbe.solve(game, grid=6)
    v = eq.verification
    assert eq.converged and v["epsilon"] <= 1e-6 and v["grid_epsilon"] <= 1e-6
    # Monte-Carlo against the reported values, which are exact here: the largest of the
    # 24 standardized gaps stays within a Bonferroni bound (4 standard errors at 0.1 %)
    mc = v["monte_carlo"]
    z = np.abs(np.array(mc["values"]) - np.array(mc["reported_values"])) / np.maximum(mc["values_se"], 1e-12)
    assert np.max(z[np.array(mc["values_se"]) > 0]) <= 4.0
    assert eq.value_error * (1 - delta) <= 1e-3 and eq.success
    # at ν both agents are believed H with 0.4 > 0.2 (region A): L contributes, H does not;
    # u^1(ν, H) = P(agent 2 contributes) = 0.6, u^1(ν, L) = 0.8
    future = delta / (1 - delta) * (0.4 * 0.6 + 0.6 * 0.8)
    # an off-grid belief of region A: u^1(π, H) = 1 − π_2, u^1(π, L) = 0.8
    pi = np.array([[[0.7, 0.3], [0.9, 0.1]]])
    closed = np.array([1 - 0.9 + future, 0.8 + future])
    np.testing.assert_allclose(eq.value(([0.7, 0.3], [0.9, 0.1]))[0], closed, atol=1e-6)
    mc = monte_carlo_values(eq, pi, paths=400, seed=3)
    assert np.all(np.abs(mc["values"][0, 0] - closed) <= 3 * mc["values_se"][0, 0] + 1e-6)


def test_monte_carlo_agrees_with_the_check_grid_policy_evaluation(pg05):
    """At check-grid nodes between the solve grid's nodes, the returns of the strategy as played
    match the check grid's policy evaluation within 3 standard errors."""
    eq = pg05
    fine = BeliefGrid(eq.game.n_types, 20)
    played, _ = eq._strategies_padded(fine.nodes(), 0)
    W = evaluate_policy(eq.game, fine, played, eq.delta)
    nodes = [fine.locate(([a, 1 - a], [b, 1 - b])) for a, b in ((0.35, 0.65), (0.75, 0.15), (0.55, 0.45),
                                                                  (0.05, 0.85))]
    beliefs = fine.nodes()[nodes]
    mc = monte_carlo_values(eq, beliefs, paths=300, seed=1)
    gap = np.abs(mc["values"] - W[nodes])
    assert mc["values_se"].max() > 0
    # + 1e-5: the trembles (η = 1e-7 on every action) are in the evaluated strategy but 300 paths
    # never draw them, a deterministic O(η / (1 − δ)) difference where the paths have no spread
    assert np.all(gap <= 3 * mc["values_se"] + 1e-5), (gap.max(), mc["values_se"].max())


def test_public_goods_delta_half_is_an_epsilon_equilibrium_of_the_game():
    eq = spbe.solve(spbe.examples.public_goods(0.5), grid=21)
    v = eq.verification
    assert eq.converged and v["check_resolution"] == [40, 40]
    assert v["epsilon_per_round"] <= 1e-2 and v["gain_per_round"]["p99"] <= 1e-5
    assert eq.value_error * (1 - eq.delta) <= 1e-3 and eq.success


def test_off_grid_solves_are_cached_per_belief_and_period(pg05):
    eq = dataclasses.replace(pg05)
    calls = []
    solve = eq._solve_off_grid

    def spy(beliefs, k):
        calls.append(len(beliefs))
        return solve(beliefs, k)

    object.__setattr__(eq, "_solve_off_grid", spy)
    pb = np.array([[[0.33, 0.67], [0.71, 0.29]], [[0.12, 0.88], [0.5, 0.5]]])
    first, _ = eq._strategies_padded(np.concatenate([pb, pb, pb[:1]]), 0)
    assert calls == [2]                                        # each distinct belief solved once
    again, _ = eq._strategies_padded(pb[::-1], 0)
    assert calls == [2]                                        # answered from the cache
    np.testing.assert_array_equal(again[::-1], first[:2])
    np.testing.assert_array_equal(first[2:4], first[:2])
    fresh = dataclasses.replace(pg05)._strategies_padded(pb, 0)[0]
    np.testing.assert_array_equal(fresh, first[:2])            # the same answer without the cache


def test_forward_step_applies_an_unobserved_deviation(pg05):
    from spbe.equilibrium import forward_step
    eq, game = pg05, pg05.game
    pb = np.tile(game.padded_belief(([0.6, 0.4], [0.3, 0.7]))[None], (4, 1, 1))
    gamma, _ = eq._strategies_padded(pb, 0)
    x = np.array([[0, 1], [1, 1], [0, 0], [1, 0]])
    forced = (np.array([0, 0, 1, -1]), np.array([1, 0, 1, 0]))
    a, r, new_pb, new_x = forward_step(game, gamma, pb, x, np.random.default_rng(0), forced)
    assert a[0, 0] == 1 and a[1, 0] == 0 and a[2, 1] == 1
    np.testing.assert_array_equal(new_x, x)                    # static types
    for p in range(4):                                         # the public updates with γ̃ (6.7)
        expected = spbe.bayes_update(game, [pb[p, i] for i in range(2)],
                                     [gamma[p, i] for i in range(2)], a[p])
        for i in range(2):
            np.testing.assert_allclose(new_pb[p, i], expected[i], atol=1e-12)
        assert r[p, 0] == game.rewards[(0,) + tuple(x[p]) + tuple(a[p])]
    assert math.isfinite(r.sum())


def test_a_copy_with_another_stage_solver_does_not_share_the_cache(pg05):
    import copy

    from spbe.stage.node_solver import NodeSolver
    eq = dataclasses.replace(pg05)
    pb = np.array([[[0.33, 0.67], [0.71, 0.29]]])
    eq._strategies_padded(pb, 0)
    other = copy.copy(eq)
    object.__setattr__(other, "_solver_cache", NodeSolver(eq.game, eta=1e-7, exhaustive_fallback=False))
    other._strategies_padded(np.array([[[0.21, 0.79], [0.43, 0.57]]]), 0)
    assert len(eq.__dict__["_offgrid_cache"][1]) == 1 and len(other.__dict__["_offgrid_cache"][1]) == 1


def test_an_off_grid_solve_does_not_depend_on_its_place_in_the_batch():
    """The multi-start points of an off-grid stage solve are seeded by the belief itself, so a
    belief gets the same prescription alone, in a batch, or in another order (the cache relies
    on it). Random games, where the restarts matter."""
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        game = spbe.DynamicGame(rng.uniform(-1, 1, (2, 2, 2, 2, 2)), types=(2, 2), actions=(2, 2), delta=0.8)
        eq = spbe.solve(game, grid=6, verify=False)
        nodes = BeliefGrid((2, 2), 10).nodes()
        off = nodes[eq.grid.locate_many(nodes) < 0]
        first, _ = eq._solve_off_grid(off, 0)
        perm = rng.permutation(len(off))
        again, _ = eq._solve_off_grid(off[perm], 0)
        np.testing.assert_array_equal(again[np.argsort(perm)], first)
        for b in range(0, len(off), 17):
            alone, _ = eq._solve_off_grid(off[b:b + 1], 0)
            np.testing.assert_array_equal(alone[0], first[b])

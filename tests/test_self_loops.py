"""``self_loops``: at a node whose strategy pools, 𝒯V is the value of playing it for ever.

Where no action moves the belief, the node's continuation is its own value and the Bellman map
at the node is V(b) ↦ r̄(b) + δ V(b); its fixed point r̄(b)/(1 − δ) replaces 𝒯V(b). Tests: the
replaced value equals the stage reward of the selected strategy (computed at δ = 0, without V)
divided by 1 − δ, at every pooling node and nowhere else; a solve with it converges to a
verified equilibrium; bad input names the argument.
"""
import numpy as np
import pytest

import spbe
from spbe.beliefs.continuation import ContinuationValue
from spbe.beliefs.grid import BeliefGrid
from spbe.solvers.infinite import pooling_nodes, stage_sweep
from spbe.solvers.policy_evaluation import node_action_values
from spbe.stage.node_solver import NodeSolver


def test_pooling_nodes_get_the_value_of_staying():
    game = spbe.examples.threshold_public_goods(0.6)
    grid = BeliefGrid(game, 3)
    beliefs = grid.nodes()
    solver = NodeSolver(game, eta=1e-7)
    rng = np.random.default_rng(0)
    V = ContinuationValue(grid, rng.uniform(0.5, 2.0, (grid.n_nodes, 3, 2)))
    delta = 0.6
    plain_res, plain = stage_sweep(solver, grid, beliefs, V, delta, None, None, "auto", 0.5)
    res, looped = stage_sweep(solver, grid, beliefs, V, delta, None, None, "auto", 0.5, self_loops=True)
    np.testing.assert_array_equal(res.played, plain_res.played)      # the same selection
    pool = pooling_nodes(game, beliefs, res.played)
    assert 0 < pool.sum() < len(pool)
    # the stage reward of the selected strategy, without continuation
    reward = (res.played * node_action_values(game, grid, beliefs, res.played, None, 0.0)).sum(axis=-1)
    np.testing.assert_allclose(looped[pool], reward[pool] / (1 - delta), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(looped[~pool], plain[~pool])
    # where it pools, the plain map is r̄ + δ V(b): the node's posterior is the node itself
    np.testing.assert_allclose(plain[pool], reward[pool] + delta * V.values[pool], rtol=0, atol=1e-9)


def test_solve_with_self_loops_converges_to_a_grid_fixed_point():
    game = spbe.examples.public_goods(0.8)
    eq = spbe.solve(game, 9, delta=0.8, options=dict(self_loops=True),
                    verify_options=dict(n_paths=0, monte_carlo=False))
    assert eq.converged and eq.settings["self_loops"] is True
    assert eq.residual * (1 - eq.delta) <= 1e-8
    assert (1 - eq.delta) * eq.grid_epsilon <= 1e-6


def test_bad_self_loops_are_named():
    with pytest.raises(ValueError, match="self_loops"):
        spbe.solve(spbe.examples.public_goods(0.5), 3, options=dict(self_loops="yes"), verify=False)
    with pytest.raises(ValueError, match=r"options\['self_loops'\]: only for games with static types"):
        spbe.solve(spbe.examples.markov_public_goods(0.5), 3, options=dict(self_loops=True), verify=False)

"""Flagged nodes between full searches (``NodeSolver.solve(full_search=...)``, ``flagged_refresh``).

A node with no verified stage solution costs the exhaustive pass and the lattice scan (seconds).
Where the node was flagged in the previous sweep too, value iteration polishes its previous
near-solution instead (``full_search`` False). Tests: the flag changes nothing where a verified
solution exists; at a flagged node it selects the polish (``NodeSolution.search``), which moves the
reference towards the equilibrium and never ends with a larger best-response gain than it started
from; bad input names its argument.
"""
import numpy as np
import pytest

import spbe
from spbe.beliefs.grid import BeliefGrid
from spbe.stage.node_solver import NodeSolver

# asymmetric matching pennies, one type each: the only stage equilibrium is mixed,
# agent 1 plays (3/5, 2/5) and agent 2 (2/5, 3/5)
_A = np.array([[2.0, -1.0], [-1.0, 1.0]])
_B = -np.array([[1.0, -1.0], [-2.0, 1.0]])
_EQ = np.array([[[0.6, 0.4]], [[0.4, 0.6]]])


def _pennies_game(delta):
    R = np.zeros((2, 1, 1, 2, 2))
    R[0, 0, 0], R[1, 0, 0] = _A, _B
    return spbe.DynamicGame(R, types=[("x",), ("y",)], actions=[("0", "1"), ("0", "1")], delta=delta)


@pytest.fixture(scope="module")
def pennies():
    game = _pennies_game(0.0)
    beliefs = BeliefGrid(game, 1).nodes()
    # tol far below round-off: no candidate verifies, so the node is flagged whatever is found
    solver = NodeSolver(game, tol=1e-300, eta=1e-7, scan_threshold=1.0)
    mixed = solver.case_index(np.array([[0b11, 0b11]]))[0]
    return solver, beliefs, mixed


def test_polish_moves_a_flagged_node_towards_the_equilibrium(pennies):
    solver, beliefs, mixed = pennies
    full = solver.solve(beliefs, None, 0.0)
    assert full.status[0] != 0 and full.residual[0] < 1e-12
    assert full.search[0] == 2                         # the exhaustive pass ran
    np.testing.assert_allclose(full.strategy[0], _EQ, atol=1e-6)
    # start both agents at (1/2, 1/2) in the mixed case
    ref = np.full_like(full.strategy, 0.5)
    start = solver.solve(beliefs, None, 0.0, reference=ref, first_case=np.array([mixed]),
                         selection="continue", full_search=np.array([False]))
    assert start.status[0] != 0 and start.case[0] == mixed
    assert start.search[0] == 1                        # the polish ran, not the exhaustive pass
    # the compass search only accepts improving steps: from a gain of order 0.1 at the start it
    # ends within its last step (1e-4 in logits) of the equilibrium
    np.testing.assert_allclose(start.strategy[0], _EQ, atol=1e-3)
    assert start.residual[0] < 1e-3
    # polishing the polished point does not raise its gain
    again = solver.solve(beliefs, None, 0.0, reference=start.strategy, first_case=start.case,
                         selection="continue", full_search=np.array([False]))
    assert again.residual[0] <= start.residual[0] + 1e-15
    # without a reference there is nothing to polish: the full search runs whatever the flag
    bare = solver.solve(beliefs, None, 0.0, full_search=np.array([False]))
    assert bare.search[0] == 2


def test_full_search_flag_is_inert_where_a_solution_exists():
    # the public-goods stage game at δ = 0 has a verified solution at every node of a 6 x 6 grid
    game = spbe.examples.public_goods(0.0)
    beliefs = BeliefGrid(game, 5).nodes()
    solver = NodeSolver(game, eta=1e-7)
    first = solver.solve(beliefs, None, 0.0)
    assert np.all(first.status == 0)
    ref = 0.5 * (first.strategy + 0.5)                 # a reference away from the solutions
    out = [solver.solve(beliefs, None, 0.0, reference=ref, first_case=first.case, selection="continue",
                        full_search=np.full(len(beliefs), flag)) for flag in (True, False)]
    np.testing.assert_array_equal(out[0].status, out[1].status)
    np.testing.assert_array_equal(out[0].case, out[1].case)
    np.testing.assert_array_equal(out[0].strategy, out[1].strategy)
    assert not out[0].search.any() and not out[1].search.any()


def test_bad_full_search_and_refresh_are_named(pennies):
    solver, beliefs, _ = pennies
    with pytest.raises(ValueError, match="full_search"):
        solver.solve(beliefs, None, 0.0, full_search=np.ones(3, dtype=bool))
    game = spbe.examples.public_goods(0.5)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="flagged_refresh"):
            spbe.solve(game, 5, options=dict(flagged_refresh=bad), verify=False)


@pytest.mark.parametrize("refresh", [1, 3])
def test_value_iteration_searches_flagged_nodes_every_refresh_sweeps(refresh):
    # stage_tol far below round-off keeps the one node flagged in every sweep
    eq = spbe.solve(_pennies_game(0.5), grid=2, verify=False, tol=1e-12,
                    options=dict(stage_tol=1e-300, flagged_refresh=refresh, schedule=None,
                                 policy_iterations=0))
    vi = [h for h in eq.history if h["phase"].startswith("value-iteration")]
    assert all(h["flagged"] == 1 for h in vi)
    polished = [h["polished"] for h in vi]
    # the first sweep has no previous strategy; then (refresh - 1) polished sweeps per full one
    expected = [0] + [0 if k % refresh == 0 else 1 for k in range(1, len(vi))]
    assert polished[:-1] == expected[:-1]
    # value iteration stops only on a sweep that searched the flagged node fully
    assert polished[-1] == 0
    assert eq.settings["flagged_refresh"] == refresh

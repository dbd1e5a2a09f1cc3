"""The "continue" selection leaving its case: the other cases by rings (``_ring_order``).

Where last sweep's case has no solution near the reference, the cases whose supports differ at
one agent-type are solved first, and the enumeration stops after the first ring holding a solution
within ``accept_dist`` of the reference; otherwise it goes on through every case (the nearest
solution over all of them). Tested on asymmetric matching pennies (one type each, 9 cases, the
only equilibrium fully mixed), with the case solves recorded in the interpreted kernels.
"""
import numpy as np
import pytest

from spbe.beliefs.grid import BeliefGrid
from spbe.stage.node_solver import NodeSolver

from normal_form_helpers import PENNIES_EQ, pennies

_EQ = PENNIES_EQ
_pennies = pennies


@pytest.fixture
def solved_cases(spy_kernel):
    """The case rows passed to the interpreted kernels' case solve, in call order."""
    return spy_kernel("_solve_case", lambda *args: tuple(args[2]))[1]


def _solve(reference):
    game = _pennies()
    solver = NodeSolver(game, eta=1e-7, backend="numpy")
    first = solver.case_index(np.array([[0b01, 0b11]]))     # agent 1 plays 0 for sure: no solution
    out = solver.solve(BeliefGrid(game, 1).nodes(), None, 0.0, reference=reference[None],
                       first_case=first, selection="continue", accept_dist=0.5)
    return solver, out


def _distance(row):
    return sum(a != b for a, b in zip(row, (0b01, 0b11)))


def test_stops_after_the_ring_holding_a_near_solution(solved_cases):
    solver, out = _solve(_EQ + np.array([[[0.05, -0.05]], [[0.0, 0.0]]]))
    np.testing.assert_allclose(out.strategy[0], _EQ, atol=1e-8)
    assert solver.cases[out.case[0]].tolist() == [0b11, 0b11]
    # the first case, then its ring (supports of one agent changed: 4 cases), nothing further
    assert solved_cases[0] == (0b01, 0b11)
    assert sorted(_distance(r) for r in solved_cases[1:]) == [1, 1, 1, 1]


def test_every_case_where_no_ring_holds_one_within_accept_dist(solved_cases):
    # the equilibrium is 1.6 away (L1) from this reference: the nearest over all cases
    solver, out = _solve(np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    np.testing.assert_allclose(out.strategy[0], _EQ, atol=1e-8)
    assert len(set(solved_cases)) == len(solver.cases) == 9
    assert max(_distance(r) for r in solved_cases) == 2

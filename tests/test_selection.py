"""The ``"auto"`` selection and the bounded searches of games with many cases.

``"auto"`` runs ``"continue"`` (a node that leaves its case takes the solution nearest its last
strategy over every case) in games with at most ``FULL_ENUMERATION_CASES`` cases and
``"continue-first"`` (the first solution found) above. Tests: the rule each game gets; that both
rules return verified stage solutions where the previous case is gone, the bounded one after
meeting fewer; that ``spbe.solve`` records the rule it ran; bad names are reported; and that the
per-node cap on the lattice scan leaves the 2-agent, 2-type games' scan whole.
"""
import numpy as np
import pytest

import spbe
from spbe._kernels import node_solver as kernels
from spbe.beliefs.grid import BeliefGrid
from spbe.stage.node_solver import FULL_ENUMERATION_CASES, NodeSolver


def test_auto_resolves_by_the_size_of_the_case_table():
    small = NodeSolver(spbe.examples.public_goods(0.5), eta=1e-7)
    large = NodeSolver(spbe.examples.threshold_public_goods(0.5), eta=1e-7)
    assert len(small.cases) <= FULL_ENUMERATION_CASES < len(large.cases)
    assert small.resolve_selection("auto") == "continue"
    assert large.resolve_selection("auto") == "continue-first"
    # an explicit rule is kept as given
    assert large.resolve_selection("continue") == "continue"
    with pytest.raises(ValueError, match="selection"):
        small.resolve_selection("closest")


def test_bounded_selection_meets_fewer_solutions_and_both_verify():
    # 3 agents: the δ = 0 stage game on a 3^3 grid; every node's reference is a strategy of a
    # case with no solution there, so every node leaves its case
    game = spbe.examples.threshold_public_goods(0.0)
    beliefs = BeliefGrid(game, 2).nodes()
    solver = NodeSolver(game, eta=1e-7)
    first = solver.solve(beliefs, None, 0.0)
    assert np.all(first.status == 0)
    everyone_contributes = solver.case_index(np.array([[0b10] * 6]))[0]
    ref = np.zeros_like(first.strategy)
    ref[..., 1] = 1.0
    firsts = np.full(len(beliefs), everyone_contributes)
    out = {rule: solver.solve(beliefs, None, 0.0, reference=ref, first_case=firsts, selection=rule)
           for rule in ("continue", "continue-first", "auto")}
    for rule, res in out.items():
        # verified stage solutions: the best-response gain within the solver's tolerance
        assert np.all(res.status == 0), rule
        assert res.residual.max() <= solver.tol, rule
        assert not np.any(res.case == everyone_contributes), rule   # nobody gains by contributing alone here
    # "continue" met every solution of every case; "continue-first" stopped at the first one
    assert np.all(out["continue-first"].n_found <= out["continue"].n_found)
    assert np.any(out["continue-first"].n_found < out["continue"].n_found)
    # "continue" picks the nearest of what it met: never farther from the reference
    def dist(res):
        return np.abs(res.strategy - ref).sum(axis=(1, 2, 3))
    assert np.all(dist(out["continue"]) <= dist(out["continue-first"]) + 1e-9)
    # 729 cases: "auto" is "continue-first"
    for field in ("strategy", "case", "n_found"):
        np.testing.assert_array_equal(getattr(out["auto"], field), getattr(out["continue-first"], field))


def test_solve_records_the_rule_it_ran():
    eq = spbe.solve(spbe.examples.public_goods(0.5), 3, delta=0.5, verify=False,
                    options=dict(schedule=(0.0,)))
    assert eq.settings["selection"] == "auto" and eq.settings["selection_rule"] == "continue"
    with pytest.raises(ValueError, match="selection"):
        spbe.solve(spbe.examples.public_goods(0.5), 3, delta=0.5, verify=False,
                   options=dict(selection="closest"))


def test_scan_cap_keeps_the_two_by_two_games_whole():
    # every case of the 2-agent, 2-type games fits in the per-node scan budget together, so the
    # cap cannot change their solutions; 3 agents hold many times more points than the cap
    def lattice_points(game):
        solver = NodeSolver(game, eta=1e-7)
        k = max(game.n_actions)
        total = 0
        for row in solver.cases:
            n = kernels.case_unknowns(row, solver.at_agent, np.asarray(game.n_actions, dtype=np.int64))
            if n >= 2:
                total += kernels._lattice_side(n, solver.scan_budget) ** n
        assert k == 2
        return total
    assert lattice_points(spbe.examples.public_goods(0.5)) == 871_553 <= kernels.SCAN_POINTS
    assert lattice_points(spbe.examples.threshold_public_goods(0.5)) > 20 * kernels.SCAN_POINTS


@pytest.mark.parametrize("first", [0, 17, 728])
def test_ring_order_is_the_cases_by_distance_from_the_first(first):
    # "continue-first" tries the other cases by increasing Hamming distance of their supports
    # from the previous case, in case order within a distance: a stable sort by distance
    cases = NodeSolver(spbe.examples.threshold_public_goods(0.5), eta=1e-7).cases
    order = kernels._ring_order(cases, first)
    dist = (cases != cases[first]).sum(axis=1)
    expected = np.argsort(dist, kind="stable")
    np.testing.assert_array_equal(order, expected[expected != first])
    assert np.all(np.diff(dist[order]) >= 0) and dist[order[0]] == 1


def test_continue_first_agrees_with_the_numpy_reference():
    # the same kernels uncompiled (backend="numpy") at a node that leaves its case
    game = spbe.examples.threshold_public_goods(0.0)
    beliefs = BeliefGrid(game, 2).nodes()[[13]]
    out = []
    for backend in ("numba", "numpy"):
        solver = NodeSolver(game, eta=1e-7, backend=backend)
        first = solver.case_index(np.array([[0b10] * 6]))
        ref = np.zeros_like(solver.solve(beliefs, None, 0.0).strategy)
        ref[..., 1] = 1.0
        out.append(solver.solve(beliefs, None, 0.0, reference=ref, first_case=first,
                                selection="continue-first"))
    np.testing.assert_array_equal(out[0].case, out[1].case)
    np.testing.assert_allclose(out[0].strategy, out[1].strategy, atol=1e-10, rtol=0)
    assert np.all(out[0].status == 0)

"""The global lattice scan deferred to after the node loop (``SCAN_PENDING`` in
``spbe._kernels.node_solver``) and spread over all threads.

``NodeSolver.solve`` runs the node loop with ``defer_scan``: a node whose global scan is due comes
back with its fallback, and ``NodeSolver.global_scan`` finishes it with each case's lattice
evaluated in blocks (``lattice_gains_block``) on the thread pool. Tests: the lattice in blocks
equals the one-thread lattice bit for bit (each gain depends on its point alone); a node finished
that way equals the node scanned inside the loop (``defer_scan=False``), in the compiled and in
the interpreted kernels.
"""
import numpy as np
import pytest

from spbe._kernels.backends import kernel_module
from spbe.beliefs.grid import BeliefGrid
from spbe.stage.node_solver import NodeSolver, kernel_context

from normal_form_helpers import PENNIES_EQ, pennies


def _setup():
    game = pennies()
    beliefs = BeliefGrid(game, 1).nodes()
    # tol far below round-off: nothing verifies, so every node goes on to the global scan
    solver = NodeSolver(game, tol=1e-300, eta=1e-7, n_starts=1, scan_threshold=0.0)
    return game, beliefs, solver


def test_lattice_in_blocks_equals_the_one_thread_lattice():
    kernels = kernel_module("node_solver", "numba")
    game, beliefs, solver = _setup()
    ctx = kernel_context(game, None, 0.0)
    mixed = solver.cases[solver.case_index(np.array([[0b11, 0b11]]))[0]]
    work = [np.zeros((2, 1, 2)) for _ in range(3)]
    offpath = np.zeros((2, 2), dtype=np.bool_)
    kernels.case_offpath(mixed, solver.at_agent, solver.at_type, beliefs[0], 2, 2, 1e-7, offpath)
    npts = 301                                  # 90,601 points: several blocks per thread
    one, wide = np.empty(npts ** 2), np.empty(npts ** 2)
    center = np.array([0.3, -1.1])
    kernels._lattice_gains(ctx, beliefs[0], mixed, solver.at_agent, solver.at_type, 1e-7, center, 12.0, npts,
                           work[0], work[1], offpath, work[2], one)
    # uneven blocks, run in reverse order
    edges = [0, 1, 7, 5000, 40_000, 40_001, npts ** 2]
    for lo, hi in reversed(list(zip(edges[:-1], edges[1:]))):
        kernels.lattice_gains_block(ctx, beliefs[0], mixed, solver.at_agent, solver.at_type, 1e-7, center, 12.0,
                                    npts, offpath, work[0], lo, hi, wide)
    np.testing.assert_array_equal(one, wide)
    assert np.all(np.isfinite(one)) and one.min() < 0.05 and one.max() > 1.0


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_deferred_scan_equals_the_scan_in_the_node_loop(backend):
    kernels = kernel_module("node_solver", backend)
    game, beliefs, solver = _setup()
    solver.backend = backend
    ctx = kernel_context(game, None, 0.0)
    B = beliefs.shape[0]
    outputs = []
    for defer in (False, True):
        out = [np.zeros((B, 2, 1, 2)), np.zeros((B, 2, 1, 2)), np.zeros(B, dtype=np.int64),
               np.zeros(B, dtype=np.int64), np.zeros(B), np.zeros(B, dtype=np.int64), np.zeros(B, dtype=np.int64)]
        kernels.solve_nodes(ctx, beliefs, solver.cases, solver.at_agent, solver.at_type, solver.eta, solver.tol,
                            np.zeros((B, 2, 1, 2)), False, np.zeros(B), np.full(B, -1, dtype=np.int64), 0, 0.5,
                            solver.n_starts, solver.seed, solver.max_solutions, solver.corner_scale,
                            solver.scan_budget, solver.scan_threshold, np.tile(np.arange(2), (B, 1)),
                            np.ones(B, dtype=np.bool_), defer, *out)
        if defer:
            assert np.all(out[6] == kernels.SCAN_PENDING)
            for b in range(B):
                st, c, r, nf = solver.global_scan(ctx, beliefs[b], np.arange(2), out[3][b], out[4][b],
                                                  out[0][b], out[1][b])
                out[2][b], out[3][b], out[4][b], out[5][b], out[6][b] = st, c, r, nf, 2
        outputs.append(out)
    for inside, deferred in zip(*outputs):
        np.testing.assert_array_equal(inside, deferred)
    # and the scan did its job: the mixed equilibrium, flagged only because of tol = 1e-300
    assert np.all(outputs[0][2] != 0) and np.all(outputs[0][6] == 2)
    np.testing.assert_allclose(outputs[0][0][0], PENNIES_EQ, atol=1e-3)
    # NodeSolver.solve (which defers) gives the same
    res = solver.solve(beliefs, None, 0.0)
    np.testing.assert_array_equal(res.strategy, outputs[0][0])
    np.testing.assert_array_equal(res.residual, outputs[0][4])
    np.testing.assert_array_equal(res.search, outputs[0][6])
    inside = solver.solve(beliefs, None, 0.0, defer_scan=False)
    np.testing.assert_array_equal(inside.strategy, res.strategy)
    np.testing.assert_array_equal(inside.residual, res.residual)


@pytest.mark.parametrize("scan_points", [1_000_000, 400_000, 250_000])
def test_scan_plan_visits_the_cases_most_unknowns_first_within_the_point_budget(scan_points, monkeypatch):
    # the order the global scan visits the cases in, as a specification: groups of equal unknowns
    # from the most down to 2, case order within a group, each group a prefix of its fitting
    # cases that stops at the first case whose lattice exceeds the points left
    from spbe.examples import public_goods
    kernels = kernel_module("node_solver", "numpy")
    monkeypatch.setattr(kernels, "SCAN_POINTS", scan_points)
    game = public_goods(delta=0.0)
    solver = NodeSolver(game, eta=1e-7, backend="numpy")
    n_actions = np.asarray(game.n_actions, dtype=np.int64)
    labels = np.arange(2)
    plan_case, plan_side = kernels.scan_plan(solver.cases, solver.at_agent, solver.at_type, n_actions, labels,
                                             solver.scan_budget, 2)
    unknowns = np.array([kernels.case_unknowns(c, solver.at_agent, n_actions) for c in solver.cases])
    expected, left = [], scan_points
    for n in range(int(unknowns.max()), 1, -1):
        for c in np.flatnonzero(unknowns == n):
            points = kernels._lattice_side(n, solver.scan_budget) ** n
            if points > left:
                break
            left -= points
            expected.append(c)
    assert plan_case.tolist() == expected
    assert [kernels._lattice_side(unknowns[c], solver.scan_budget) for c in expected] == plan_side.tolist()
    assert sum(int(s) ** int(unknowns[c]) for c, s in zip(plan_case, plan_side)) <= scan_points
    # the budgets chosen end the 3-unknown group early (400,000) and skip the 4-unknown case (250,000)
    groups = [int(unknowns[c]) for c in plan_case]
    assert groups == sorted(groups, reverse=True)
    if scan_points == 400_000:
        assert 0 < groups.count(3) < np.sum(unknowns == 3) and groups.count(2) == np.sum(unknowns == 2)
    if scan_points == 250_000:
        assert 4 not in groups and 3 in groups

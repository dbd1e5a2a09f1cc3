"""The compiled kernels against the reference path (the same source run uncompiled).

``spbe.solve(..., backend="numpy")`` executes the kernels' Python source with ``njit`` the
identity and ``prange`` a plain ``range`` (spbe._kernels.backends). Whatever compilation can break
(64-bit integer wrapping in the start-point hash, the parallel node loop, typing of corner cases,
a stale cache) shows up as a difference here; the issue asks for agreement to 1e-10.
"""
import numpy as np
import pytest

import spbe
from spbe._kernels.backends import _hash_normal_int64, kernel_module
from spbe.solvers.policy_evaluation import evaluate_policy, node_action_values

TOL = 1e-10


def _close(a, b):
    assert a.case.shape == b.case.shape
    assert np.array_equal(a.case, b.case)
    assert np.max(np.abs(a.values - b.values)) <= TOL
    assert np.max(np.abs(a.strategy_nodes - b.strategy_nodes)) <= TOL
    assert np.array_equal(a.flagged, b.flagged)
    assert a.iterations == b.iterations and a.converged == b.converged


# The reference is ~100x slower: small grids, short schedules (CI time).
@pytest.mark.parametrize("game, grid, delta, schedule, check", [
    (spbe.examples.public_goods(0.5), 4, 0.5, (0.0,), False),
    (spbe.examples.public_goods(0.9), 3, 0.9, (0.0, 0.5), False),
    # asymmetric costs: no exchange symmetry, so every node is solved
    (spbe.examples.public_goods(0.7, x_high=1.1, x_low=0.3), 3, 0.7, (0.0,), True),
])
def test_infinite_horizon_solve_agrees(game, grid, delta, schedule, check):
    opts = dict(delta=delta, grid=grid, options=dict(schedule=schedule), verify=False)
    fast = spbe.solve(game, **opts)
    ref = spbe.solve(game, backend="numpy", **opts)
    assert fast.settings["backend"] == "numba" and ref.settings["backend"] == "numpy"
    _close(fast, ref)
    if check:
        # the kernels of the verification: policy evaluation (sparse transition entries) and
        # the action values at beliefs off the grid (the refined check grid)
        played = fast.strategy_nodes[0]
        W = {b: evaluate_policy(game, fast.grid, played, delta, b) for b in ("numba", "numpy")}
        assert np.max(np.abs(W["numba"] - W["numpy"])) <= TOL
        fine = spbe.BeliefGrid(game.n_types, (5, 5)).nodes()
        strat, _ = fast._strategies_padded(fine, 0)
        V = spbe.ContinuationValue(fast.grid, W["numba"])
        U = {b: node_action_values(game, fast.grid, fine, strat, V, delta, b) for b in ("numba", "numpy")}
        assert np.max(np.abs(U["numba"] - U["numpy"])) <= TOL


def test_finite_horizon_solve_agrees():
    game = spbe.examples.public_goods(0.8)
    fast = spbe.solve(game, grid=3, horizon=3, verify=False)
    ref = spbe.solve(game, grid=3, horizon=3, verify=False, backend="numpy")
    _close(fast, ref)


def test_start_point_hash_wraps_like_int64():
    compiled = kernel_module("node_solver", "numba")._hash_normal
    rng = np.random.default_rng(3)
    triples = [(0, 0, 0), (2**40, 7, 3), (-5, 2**33, 11)] + [tuple(int(v) for v in rng.integers(-2**45, 2**45, 3))
                                                              for _ in range(200)]
    for a, b, c in triples:
        # the plain Python formula would not wrap: the bridge must reproduce numba's int64 exactly
        assert _hash_normal_int64(a, b, c) == compiled(np.int64(a), np.int64(b), np.int64(c))


def test_interpreted_modules_are_not_compiled():
    mod = kernel_module("node_solver", "numpy")
    assert not hasattr(mod.solve_nodes, "py_func")          # a plain function, no dispatcher
    assert kernel_module("node_solver", "numba").solve_nodes.py_func is not None


def test_backend_argument_is_validated():
    with pytest.raises(ValueError, match="backend"):
        spbe.solve(spbe.examples.public_goods(0.0), grid=3, backend="cuda")

"""The local scan before the global one (``LOCAL_SCAN_POINTS`` in ``spbe._kernels.node_solver``).

A node with no verified stage solution gets, after the exhaustive pass, a small lattice scan
around its reference strategy in the reference's case; the global lattice scan (seconds per node)
runs only if the best-response gain is still above ``scan_threshold``. Tests, on a one-node game
whose only equilibrium is mixed, with a tolerance no candidate can meet (so the node is flagged
whatever is found) and the passes before the scans switched off in the interpreted kernels: the
local scan is centred on the reference's logits and is the only scan where it reaches the
threshold; the global scan follows where it does not; without a reference there is no local
scan; the compiled and interpreted scans agree. The hold (``HOLD_FACTOR``): with last sweep's
gain given, a local near-solution within twice that gain (and ten times the threshold) is kept and
the global scan skipped; one above it is not.
"""
import numpy as np
import pytest

from spbe._kernels import node_solver as compiled
from spbe._kernels.backends import kernel_module
from spbe.beliefs.grid import BeliefGrid
from spbe.stage.node_solver import NodeSolver, kernel_context

from normal_form_helpers import PENNIES_EQ, pennies

_EQ = PENNIES_EQ
_pennies = pennies


@pytest.fixture
def recorded(spy_kernel, monkeypatch):
    """The interpreted kernels with the exhaustive pass off and every scan recorded as
    (center, zlim, lattice points): each scan, local or global, in the node loop or after it,
    ends in ``scan_from_gains`` with its lattice's gains."""
    kernels, calls = spy_kernel("scan_from_gains", lambda *args: (np.array(args[7]), args[8], len(args[10])))
    monkeypatch.setattr(kernels, "CORNER_STARTS", 0)
    return kernels, calls


def _solve(threshold, reference, gain=None):
    game = _pennies()
    beliefs = BeliefGrid(game, 1).nodes()
    # tol far below round-off: nothing verifies; n_starts=0: the mixed case is left to the scans
    solver = NodeSolver(game, tol=1e-300, eta=1e-7, n_starts=0, scan_threshold=threshold, backend="numpy")
    mixed = solver.case_index(np.array([[0b11, 0b11]]))[0]
    if reference is None:
        return solver.solve(beliefs, None, 0.0), mixed
    return solver.solve(beliefs, None, 0.0, reference=reference, first_case=np.array([mixed]),
                        selection="continue",
                        reference_gain=None if gain is None else np.array([gain])), mixed


def test_local_scan_alone_where_it_reaches_the_threshold(recorded):
    kernels, calls = recorded
    ref = np.array([[[0.7, 0.3]], [[0.5, 0.5]]])[None]
    out, mixed = _solve(1e-3, ref)
    assert len(calls) == 1
    center, zlim, points = calls[0]
    assert zlim == kernels.LOCAL_SCAN_WIDTH
    assert points == kernels._lattice_side(2, kernels.LOCAL_SCAN_POINTS) ** 2 <= kernels.LOCAL_SCAN_POINTS
    # the logits of the reference in the mixed case: log(p(1) / p(0)) per agent
    np.testing.assert_allclose(center, [np.log(0.3 / 0.7), 0.0], atol=1e-12)
    assert out.status[0] != 0 and out.case[0] == mixed and out.search[0] == 2
    assert out.residual[0] <= 1e-3
    np.testing.assert_allclose(out.strategy[0], _EQ, atol=1e-3)


def test_global_scan_follows_where_the_local_one_does_not_reach_it(recorded):
    kernels, calls = recorded
    ref = np.array([[[0.7, 0.3]], [[0.5, 0.5]]])[None]
    out, _ = _solve(1e-300, ref)
    assert len(calls) >= 2
    assert calls[0][1] == kernels.LOCAL_SCAN_WIDTH
    # then the global scan: centred at 0, wider
    assert np.all(calls[1][0] == 0.0) and calls[1][1] > kernels.LOCAL_SCAN_WIDTH
    np.testing.assert_allclose(out.strategy[0], _EQ, atol=1e-3)


def test_no_local_scan_without_a_reference(recorded):
    kernels, calls = recorded
    out, _ = _solve(1e-3, None)
    assert calls and all(zlim > kernels.LOCAL_SCAN_WIDTH for _, zlim, _ in calls)
    np.testing.assert_allclose(out.strategy[0], _EQ, atol=1e-3)


def test_compiled_and_interpreted_centred_scans_agree():
    game = _pennies()
    belief = BeliefGrid(game, 1).nodes()[0]
    solver = NodeSolver(game, tol=1e-300, eta=1e-7)
    case = solver.cases[solver.case_index(np.array([[0b11, 0b11]]))[0]]
    ctx = kernel_context(game, None, 0.0)
    results = []
    for kernels in (compiled, kernel_module("node_solver", "numpy")):
        cand_gamma = np.zeros((3, 2, 1, 2))
        cand_eff = np.zeros_like(cand_gamma)
        cand_res = np.full(3, np.inf)
        work = [np.zeros((2, 1, 2)), np.zeros((2, 1, 2)), np.zeros((2, 2), dtype=np.bool_),
                np.zeros((2, 1, 2))]
        kernels.case_offpath(case, solver.at_agent, solver.at_type, belief, 2, 2, 1e-7, work[2])
        kernels._scan_case(ctx, belief, case, solver.at_agent, solver.at_type, 1e-7, 1e-300,
                           np.array([-1.0, 2.0]), 1.5, 400, 2, cand_gamma, cand_eff, cand_res, 0,
                           work[0], work[1], work[2], work[3])
        results.append((cand_gamma[-1].copy(), cand_res[-1]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=0, atol=1e-10)
    assert abs(results[0][1] - results[1][1]) <= 1e-12
    np.testing.assert_allclose(results[0][0], _EQ, atol=1e-3)


def test_hold_keeps_the_local_near_solution_within_twice_last_gain(recorded):
    kernels, calls = recorded
    ref = np.array([[[0.7, 0.3]], [[0.5, 0.5]]])[None]
    local, mixed = _solve(1e-3, ref)
    r = local.residual[0]                          # the local scan's near-solution
    assert 0 < r <= 1e-3
    del calls[:]
    # threshold r/2: without a hold the global scan would follow (the test above); last sweep's
    # gain r: 2r >= r and 10 * r/2 >= r, so the local candidate is held
    out, _ = _solve(r / 2, ref, gain=r)
    assert len(calls) == 1 and calls[0][1] == kernels.LOCAL_SCAN_WIDTH
    assert out.case[0] == mixed and out.residual[0] == r
    np.testing.assert_array_equal(out.strategy[0], local.strategy[0])
    # last sweep's gain r/4: 2 * r/4 < r, no hold: the global scan follows
    del calls[:]
    out, _ = _solve(r / 2, ref, gain=r / 4)
    assert len(calls) >= 2 and calls[0][1] == kernels.LOCAL_SCAN_WIDTH
    assert all(zlim > kernels.LOCAL_SCAN_WIDTH for _, zlim, _ in calls[1:])
    assert out.residual[0] <= r


def test_hold_needs_ten_times_the_threshold(recorded):
    kernels, calls = recorded
    ref = np.array([[[0.7, 0.3]], [[0.5, 0.5]]])[None]
    r = _solve(1e-3, ref)[0].residual[0]
    del calls[:]
    # a large last gain, but the local candidate gains more than 10 x the threshold: no hold
    _solve(r / 20, ref, gain=1.0)
    assert len(calls) >= 2


def test_reference_gain_is_validated():
    game = _pennies()
    beliefs = BeliefGrid(game, 1).nodes()
    solver = NodeSolver(game, eta=1e-7)
    ref = np.array([[[0.7, 0.3]], [[0.5, 0.5]]])[None]
    with pytest.raises(ValueError, match="reference_gain"):
        solver.solve(beliefs, None, 0.0, reference=ref, reference_gain=np.zeros(3))
    with pytest.raises(ValueError, match="reference_gain"):
        solver.solve(beliefs, None, 0.0, reference=ref, reference_gain=np.array([np.nan]))

"""The repeated-play engine (mechanisms/repeated_play.py) with per-player updates, best-response
learning on the ch. 1-3 mechanisms, and input validation that names the offending argument."""
import pickle

import numpy as np
import pytest

from mechanisms.nash_implementation import (LinearConstraintMechanism, LinearConstraints,
                                            LogUtility, MulticastMechanism, MulticastNetwork,
                                            QuadraticUtility, UnicastMechanism, UnicastNetwork,
                                            best_response_dynamics, get_instance, max_deviation_gain,
                                            solve_centralized)
from mechanisms.repeated_play import repeated_play


def test_contraction_converges_to_its_fixed_point_in_both_orders():
    # x_i <- 0.5 x_{1-i} + 1 has the fixed point (2, 2)
    for order in ("sequential", "simultaneous"):
        res = repeated_play(lambda i, prof, t: 0.5 * prof[1 - i] + 1, (np.zeros(1), np.zeros(1)),
                            tol=1e-12, max_rounds=500, order=order)
        assert res.status == 0 and res.success
        np.testing.assert_allclose(np.concatenate(res.final), [2, 2], atol=1e-10)
        assert len(res.history) == res.nit + 1 and res.changes.size == res.nit
    seq = repeated_play(lambda i, prof, t: 0.5 * prof[1 - i] + 1, (np.zeros(1), np.zeros(1)), tol=1e-12,
                        max_rounds=500, order="sequential")
    sim = repeated_play(lambda i, prof, t: 0.5 * prof[1 - i] + 1, (np.zeros(1), np.zeros(1)), tol=1e-12,
                        max_rounds=500, order="simultaneous")
    assert seq.nit < sim.nit          # Gauss-Seidel uses the newest actions
    # the sequential first round uses player 0's new action
    assert seq.history[1][1][0] == pytest.approx(0.5 * 1 + 1)
    assert sim.history[1][1][0] == pytest.approx(1.0)


def test_divergence_and_max_rounds_are_reported():
    res = repeated_play(lambda i, prof, t: 2 * prof[1 - i] + 1, (np.ones(1), np.ones(1)), max_rounds=7,
                        tol=1e-8)
    assert not res.success and res.nit == 7 and res.status == 1 and "max_rounds" in res.message
    # without a stopping rule the run is a fixed-horizon one: playing its rounds is its success
    res = repeated_play(lambda i, prof, t: 2 * prof[1 - i] + 1, (np.ones(1), np.ones(1)), max_rounds=7)
    assert res.success and res.nit == 7 and res.status == 7 and "7 rounds asked for" in res.message
    with np.errstate(over="ignore"):
        res = repeated_play(lambda i, prof, t: prof[i] * 1e200, (np.ones(1), np.ones(1)), max_rounds=50)
    assert res.status == 2 and not res.success


def test_callback_stops_and_history_is_frozen():
    def stop(state):
        if state.round == 3:
            raise StopIteration
    res = repeated_play(lambda i, prof, t: prof[i] + 1, (np.zeros(2),), callback=stop, max_rounds=10)
    assert res.status == 3 and res.nit == 3
    np.testing.assert_array_equal(res.final[0], [3, 3])
    with pytest.raises(ValueError):
        res.final[0][0] = 1.0
    with pytest.raises(AttributeError):
        res.nit = 5


def test_repeated_play_validation():
    f = lambda i, prof, t: prof[i]      # noqa: E731
    with pytest.raises(ValueError, match="max_rounds"):
        repeated_play(f, (np.zeros(1),), max_rounds=0)
    with pytest.raises(ValueError, match="order"):
        repeated_play(f, (np.zeros(1),), order="random")
    with pytest.raises(ValueError, match="tol"):
        repeated_play(f, (np.zeros(1),), tol=-1)
    with pytest.raises(TypeError, match="update"):
        repeated_play(3, (np.zeros(1),))
    with pytest.raises(ValueError, match="update: player 0 returned 3 numbers"):
        repeated_play(lambda i, prof, t: np.zeros(3), (np.zeros(1),))


def test_best_response_dynamics_on_g1_does_not_reach_the_optimum_quickly():
    # the thesis claims no convergence; from 1.1 x the equilibrium the allocation leaves x*
    inst = get_instance("G1")
    sol = solve_centralized(inst.network, inst.utilities)
    mech = LinearConstraintMechanism(inst.network)
    start = tuple(1.1 * m for m in mech.equilibrium_messages(sol))
    res = best_response_dynamics(mech, inst.utilities, start, max_rounds=2, n_grid=20)
    assert not res.success
    errors = [np.max(np.abs(mech.allocation(mech.demands(p)) - sol.x)) for p in res.history]
    assert errors[0] < 1e-4 and errors[-1] > 0.1
    # every profile on the path gets a feasible allocation (learning-ready)
    for p in res.history:
        assert inst.network.is_feasible(mech.allocation(mech.demands(p)))
    # the last mover (agent 3) has just best-responded: it cannot gain at the final profile
    last = res.history[-1]
    rep = max_deviation_gain(mech, inst.utilities, last, agents=[3], n_grid=20, n_refine=2, local=False)
    assert rep.max_gain <= 1e-6


def test_best_response_from_equilibrium_stays():
    inst = get_instance("F9")
    sol = solve_centralized(inst.network, inst.utilities)
    mech = MulticastMechanism(inst.network)
    res = best_response_dynamics(mech, inst.utilities, mech.equilibrium_messages(sol), max_rounds=3, n_grid=15)
    assert res.success and res.nit == 1


@pytest.mark.parametrize("call, match", [
    (lambda: UnicastNetwork([[1, 1], [1, 0]], [1, 1]), "row 1 has 1"),
    (lambda: UnicastNetwork([[1, 1]], [0.0]), "capacities"),
    (lambda: UnicastNetwork([[1, -1]], [1.0]), "coefficients"),
    (lambda: UnicastNetwork([[1, 1]], [1.0, 2.0]), "capacities must have shape"),
    (lambda: MulticastNetwork([[1, 1, 1]], [1.0], [0, 0, 0]), "at least 2 groups"),
    (lambda: MulticastNetwork([[1, 1, 1]], [1.0], [0.5, 0, 1]), "groups"),
    (lambda: LinearConstraints([[1, 1]], [-1.0]), "c must be"),
    (lambda: LinearConstraints([[1, 1]], [1.0], theta=[0.5, 0.5]), "theta"),
    (lambda: LinearConstraints([[1, 1, 1]], [1.0], equal_groups=[[0, 1], [1, 2]]), "two equal_groups"),
    (lambda: UnicastMechanism(get_instance("U1").network, eta=0), "eta"),
    (lambda: UnicastMechanism(get_instance("U1").network, budget_balance="full"), "budget_balance"),
    (lambda: MulticastMechanism(get_instance("F9").network, rebate="thesis"), "rebate"),
    (lambda: LinearConstraintMechanism(get_instance("G1").network, budget_balance="strong"), "budget_balance"),
    (lambda: LinearConstraintMechanism(LinearConstraints([[1, 2, 1]], [3.0], equal_groups=[[0, 1]]),
                                       budget_balance="strong-at-equilibrium"), "equally"),
    (lambda: LogUtility(-1.0), "weight"),
    (lambda: solve_centralized(get_instance("U1").network, [LogUtility(1.0)] * 3), "utilities"),
    (lambda: UnicastMechanism(get_instance("U1").network).outcome([np.zeros(3)] * 4), r"messages\[3\]"),
    (lambda: UnicastMechanism(get_instance("U1").network).outcome(
        [np.array([1, 1, 1.0]), np.array([1, -1, 1.0]), np.array([1, 1, 1.0]), np.array([1, 1.0])]), r"messages\[1\]"),
    (lambda: LinearConstraintMechanism(get_instance("G1").network).outcome(
        [np.array([1e-5, 1, 1.0])] * 3 + [np.array([1, 1.0])]), "demand must be > d_i"),
])
def test_validation_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_quadratic_utility_rejected_in_ch1_and_results_pickle():
    from mechanisms.utilities import check_utilities
    with pytest.raises(ValueError, match=r"utilities\[0\]"):
        check_utilities([QuadraticUtility(peak=1.0), LogUtility(1.0)], 2, require_increasing=True)
    inst = get_instance("G3")
    sol = solve_centralized(inst.network, inst.utilities)
    again = pickle.loads(pickle.dumps(sol))
    np.testing.assert_array_equal(again.x, sol.x)
    with pytest.raises(ValueError):
        sol.x[0] = 1.0

"""Allocation rules of thesis ch. 1-3: feasibility for every message (the 'learning-ready' claim),
the notes' worked allocations, scale invariance, the ch. 3 projection geometry and beta > 0."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from mechanisms.nash_implementation import (LinearConstraints, MulticastNetwork, UnicastNetwork,
                                            UnicastMechanism, get_instance, linear_allocation,
                                            multicast_allocation, unicast_allocation)

# demands with exact zeros, tiny and huge values
demand = st.one_of(st.just(0.0), st.floats(1e-12, 1e-6), st.floats(1e-3, 10.0), st.floats(1e6, 1e12))


@st.composite
def unicast_case(draw):
    L = draw(st.integers(1, 4))
    N = draw(st.integers(2, 5))
    member = np.array(draw(arrays(bool, (L, N))))
    for l in range(L):  # at least two agents per link
        if member[l].sum() < 2:
            member[l, :2] = True
    for i in range(N):
        if not member[:, i].any():
            member[0, i] = True
    alpha = np.array(draw(arrays(float, (L, N), elements=st.floats(0.1, 5.0))))
    c = np.array(draw(arrays(float, (L,), elements=st.floats(0.1, 20.0))))
    y = np.array(draw(arrays(float, (N,), elements=demand)))
    return UnicastNetwork(np.where(member, alpha, 0.0), c), y


@settings(max_examples=80, deadline=None)
@given(unicast_case())
def test_unicast_allocation_feasible_for_every_demand(case):
    # Lemma 3.2 (ch. 1): h_x(s) satisfies (1.2b) and (1.2c) for every message
    net, y = case
    x, r, r_link = unicast_allocation(net, y)
    A, c = net.coefficients, net.capacities
    assert np.all(x >= 0)
    assert np.all(A @ x <= c * (1 + 1e-12))
    # a link with exactly one active agent is strictly slack
    active = ((A > 0) & (y > 0)).sum(axis=1)
    assert np.all((A @ x)[active == 1] < c[active == 1])
    # support is preserved: |S^l(x)| = |S^l(y)|
    assert np.array_equal(((A > 0) & (x > 0)).sum(axis=1), active)
    if np.any(y > 0):
        q = int(np.argmin(r_link))
        if active[q] >= 2:   # the argmin link is tight
            assert A[q] @ x == pytest.approx(c[q], rel=1e-9)


@st.composite
def multicast_case(draw):
    N = draw(st.integers(3, 6))
    groups = np.array(draw(st.lists(st.integers(0, 2), min_size=N, max_size=N)))
    groups[0], groups[1] = 0, 1
    L = draw(st.integers(1, 3))
    member = np.array(draw(arrays(bool, (L, N))))
    member[:, 0] = member[:, 1] = True   # two groups on every link
    member[0] = True                     # every agent on some link
    alpha = np.array(draw(arrays(float, (L, N), elements=st.floats(0.1, 5.0))))
    c = np.array(draw(arrays(float, (L,), elements=st.floats(0.1, 20.0))))
    y = np.array(draw(arrays(float, (N,), elements=demand)))
    return MulticastNetwork(np.where(member, alpha, 0.0), c, groups), y


@settings(max_examples=80, deadline=None)
@given(multicast_case())
def test_multicast_allocation_feasible_for_every_demand(case):
    # Lemma 3.2 (ch. 2): C_1, C_2, C_3 with m = r n, and the max form (I_2)
    net, y = case
    x, r, m, loads = multicast_allocation(net, y)
    A, c = net.coefficients, net.capacities
    assert np.all(x >= 0)
    assert np.all(loads <= c * (1 + 1e-12))                              # C_2
    assert np.all(A * x <= m * (1 + 1e-12) + 1e-300)                    # C_3
    assert np.all(net.max_form_loads(x) <= c * (1 + 1e-12))             # I_2


@st.composite
def linear_case(draw):
    N = draw(st.integers(2, 5))
    L = draw(st.integers(1, 3))
    A = np.array(draw(arrays(float, (L, N), elements=st.floats(0.0, 3.0))))
    A[:, :2] = np.maximum(A[:, :2], 0.1)
    A[0] = np.maximum(A[0], 0.05)   # every agent on some row
    c = np.array(draw(arrays(float, (L,), elements=st.floats(0.5, 10.0))))
    net = LinearConstraints(A, c)
    y = np.array(draw(arrays(float, (N,), elements=st.floats(1.0001e-3, 1e6))))
    return net, y


@settings(max_examples=80, deadline=None)
@given(linear_case())
def test_linear_allocation_feasible_and_on_the_ray(case):
    # Lemma 4.1 (ch. 3): x in C; x = y if y in C, else x on the boundary on the segment theta -> y
    net, y = case
    x, s = linear_allocation(net, y)
    assert net.is_feasible(x, tol=1e-9)
    inside = np.all(net.A @ y <= net.c)
    if inside:
        assert np.array_equal(x, y)
    else:
        assert 0 < s < 1
        np.testing.assert_allclose(x - net.theta, s * (y - net.theta), rtol=1e-12, atol=1e-15)
        assert np.max(net.A @ x - net.c) == pytest.approx(0.0, abs=1e-9 * (1 + net.c.max()))


def test_degenerate_allocation_equal_within_groups_and_depends_on_group_means():
    net = get_instance("G3").network
    x1, _ = linear_allocation(net, np.array([1.0, 9.0, 2.0, 3.0]))
    x2, _ = linear_allocation(net, np.array([5.0, 5.0, 0.5, 4.5]))   # same group means
    np.testing.assert_array_equal(x1, x2)
    assert x1[0] == x1[1] and x1[2] == x1[3]
    assert net.is_feasible(x1)


@pytest.mark.parametrize("y, r, x", [
    ((1, 1, 1, 1), 4 / 3, (4 / 3,) * 4),
    ((1, 0, 0, 1), 2.0, (2, 0, 0, 2)),          # BC singleton tweak, no tight link
    ((0, 0, 0, 5), 1.0, (0, 0, 0, 5)),
    ((2, 0, 0, 0), 4 / 3, (8 / 3, 0, 0, 0)),
    ((0.5, 1, 3, 0.5), 8 / 9, (4 / 9, 8 / 9, 8 / 3, 4 / 9)),
    ((0, 0, 0, 0), 0.0, (0, 0, 0, 0)),
])
def test_unicast_allocation_table_of_notes(y, r, x):
    xx, rr, _ = unicast_allocation(get_instance("U1").network, np.array(y, float))
    assert rr == pytest.approx(r, rel=1e-12)
    np.testing.assert_allclose(xx, x, rtol=1e-12)


def test_unicast_singleton_tweak_with_coefficients():
    net = UnicastNetwork([[1, 2, 1, 1], [0.5, 1, 1, 0]], [6, 4])
    x, r, _ = unicast_allocation(net, np.array([0, 0, 0, 2.0]))
    assert r == pytest.approx(2.0) and x[3] == pytest.approx(4.0)


@pytest.mark.parametrize("y, r, x", [
    ((0.6, 0.4, 0.8), 1 / 1.4, (0.428571, 0.285714, 0.571429)),
    ((0.6, 0.4, 0.0), 1 / 1.6, (0.375, 0.25, 0.0)),
    ((2, 1, 1), 1 / 3, (2 / 3, 1 / 3, 1 / 3)),
])
def test_multicast_allocation_table_of_notes(y, r, x):
    xx, rr, m, loads = multicast_allocation(get_instance("F9").network, np.array(y, float))
    assert rr == pytest.approx(r, rel=1e-12)
    np.testing.assert_allclose(xx, x, atol=1e-6)


def test_multicast_m1_allocations():
    net = get_instance("M1").network
    x, r, m, _ = multicast_allocation(net, np.array([1, 2, 1, 3.0]))
    assert r == 1 and np.array_equal(x, [1, 2, 1, 3])
    np.testing.assert_allclose(m[0], [2, 2, 3, 3])
    x, r, _, _ = multicast_allocation(net, np.array([0, 0, 1, 0.0]))
    assert r == pytest.approx(1.5) and x[2] == pytest.approx(1.5)


@pytest.mark.parametrize("A, c, y, x", [
    ([[1, 1]], [1], (0.3, 0.4), (0.3, 0.4)),
    ([[1, 1]], [1], (1, 2), (0.335570, 0.664430)),
    ([[1, 1]], [1], (0.5, 0.5), (0.5, 0.5)),
    ([[1, 1], [2, 0.5]], [1, 1.2], (1, 0.2), (0.570602, 0.117590)),
    ([[1, 1], [2, 0.5]], [1, 1.2], (0.2, 1), (0.167797, 0.832203)),
])
def test_linear_allocation_examples_of_notes(A, c, y, x):
    net = LinearConstraints(A, c, lower_demands=[0.02, 0.02], theta=[0.01, 0.01])
    xx, _ = linear_allocation(net, np.array(y, float))
    np.testing.assert_allclose(xx, x, atol=1e-6)


def test_scale_invariance_when_no_singleton_link():
    net = get_instance("U1").network
    y = np.array([0.5, 1, 3, 0.5])
    x1, r1, _ = unicast_allocation(net, y)
    for kappa in (0.01, 7.0, 1e5):
        xk, rk, _ = unicast_allocation(net, kappa * y)
        np.testing.assert_allclose(xk, x1, rtol=1e-12)
        assert rk == pytest.approx(r1 / kappa, rel=1e-12)
    # fails when a singleton link is the argmin
    y = np.array([2.0, 0, 0, 0])
    assert not np.allclose(unicast_allocation(net, 3 * y)[0], unicast_allocation(net, y)[0])


def test_one_sided_beta_at_the_u1_kink():
    # notes §1.8: at y = x* both links tie; agent 4: right 2/3, left 1; agent 1: 31/36, 49/54
    inst = get_instance("U1")
    mech = UnicastMechanism(inst.network)
    y = inst.known_optimum
    assert mech.derivative_bounds(y, 3) == pytest.approx((2 / 3, 1.0))
    assert mech.derivative_bounds(y, 0) == pytest.approx((31 / 36, 49 / 54))
    h = 1e-7
    for i, (right, left) in ((3, (2 / 3, 1.0)), (0, (31 / 36, 49 / 54))):
        e = np.eye(4)[i] * h
        x0 = unicast_allocation(inst.network, y)[0][i]
        assert (unicast_allocation(inst.network, y + e)[0][i] - x0) / h == pytest.approx(right, rel=1e-5)
        assert (x0 - unicast_allocation(inst.network, y - e)[0][i]) / h == pytest.approx(left, rel=1e-5)


def test_beta_interior_formula_matches_finite_difference():
    net = get_instance("U1").network
    mech = UnicastMechanism(net)
    y = np.array([0.5, 1, 3, 0.5])
    right, left = mech.derivative_bounds(y, 0)
    assert right == left == pytest.approx(0.790123, abs=1e-6)
    assert mech.derivative_bounds(y, 3)[0] == pytest.approx(8 / 9)


def test_allocation_ignores_prices_and_rho():
    inst = get_instance("U1")
    mech = UnicastMechanism(inst.network, budget_balance="strong")
    rng = np.random.default_rng(3)
    y = rng.uniform(0.1, 3, 4)
    outs = []
    for _ in range(3):
        msgs = tuple(np.concatenate([[y[i]], rng.uniform(0, 5, mech.message_size(i) - 1)]) for i in range(4))
        outs.append(mech.outcome(msgs).x)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])

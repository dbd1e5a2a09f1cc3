"""Tuning of (xi, delta) and the contraction of the best response (Theorems 5.4-5.5, Appendix
7.6-7.7, Table 1)."""
import numpy as np
import pytest

from mechanisms.distributed import (PrivateGoodsMechanism, PublicGoodsMechanism, QuadraticUtility,
                                    binary_tree, complete_graph, contraction_ratio, cycle_graph,
                                    directed_cycle, erdos_renyi, grid_graph, path_graph, star_graph, tune,
                                    tuned_delta)
from mechanisms.distributed.equilibrium import best_response_jacobian

GRAPHS = [path_graph(3), path_graph(6), cycle_graph(5), cycle_graph(7), star_graph(6), complete_graph(5),
          grid_graph(3, 3), binary_tree(7), erdos_renyi(12, 0.3, seed=3)]


def test_table1_binary_tree_regression():
    """Table 1: delta = 1005.6 (private, xi = 1 - 1.831e-4) and 0.9505 (public, xi = 1 - 2.515e-4);
    both satisfy eta^2 = 625 < R."""
    tree = binary_tree(31)
    assert tuned_delta(tree, 1 - 1.831e-4, "private") == pytest.approx(1005.6, abs=0.05)
    assert tuned_delta(tree, 1 - 2.515e-4, "public") == pytest.approx(0.9506, abs=2e-4)
    assert contraction_ratio(tree, 1 - 1.831e-4, "private") > 625
    assert contraction_ratio(tree, 1 - 2.515e-4, "public") > 625


def test_halving_rule_reproduces_the_private_xi_of_table1():
    t = tune(binary_tree(31), 25.0, "private")
    assert t.success and t.nit == 12 and t.one_minus_xi == pytest.approx(0.75 * 2 ** -12)
    assert f"{t.one_minus_xi:.3e}" == "1.831e-04"
    # one halving less violates the condition
    assert contraction_ratio(binary_tree(31), 1 - 0.75 * 2 ** -11, "private") <= 625


@pytest.mark.parametrize("kind", ["private", "public"])
def test_ratio_increases_as_xi_approaches_one(kind):
    for g in (binary_tree(31), cycle_graph(7)):
        gaps = 0.75 * 2.0 ** -np.arange(2, 30)
        r = [contraction_ratio(g, 1 - x, kind) for x in gaps if kind == "private" or (1 - x) ** 2 > (g.n_agents - 1) / g.n_agents]
        assert np.all(np.diff(r) > 0) and r[-1] > 1e6        # any eta can be accommodated


def test_bisection_finds_the_boundary_and_safety_margin():
    g = binary_tree(15)
    b = tune(g, 10.0, "public", method="bisect")
    h = tune(g, 10.0, "public", method="halving")
    assert b.success and b.ratio == pytest.approx(100.0, rel=1e-6) and b.one_minus_xi >= h.one_minus_xi
    s = tune(g, 10.0, "private", safety=2.0)
    assert s.ratio > 200.0
    assert s.delta == pytest.approx((g.n_agents - 1) * np.sqrt(s.ratio))


def test_tuning_validation():
    with pytest.raises(ValueError, match="N >= 3"):
        tune(path_graph(2), 5.0, "private")
    with pytest.raises(ValueError, match="eta"):
        tune(path_graph(3), 1.0)
    with pytest.raises(ValueError, match="kind"):
        tune(path_graph(3), 2.0, "club")
    with pytest.raises(ValueError, match="xi"):
        contraction_ratio(path_graph(3), 1.0)
    with pytest.raises(ValueError, match="method"):
        tune(path_graph(3), 2.0, method="newton")
    with pytest.raises(NotImplementedError, match="public"):
        contraction_ratio(directed_cycle(5), 0.99, "public")
    # public needs xi^2 > (N-1)/N (4.78): a start violating it is halved until it holds
    t = tune(cycle_graph(5), 2.0, "public", start=0.5)
    assert t.success and t.xi ** 2 > 4 / 5


def _utilities(n, eta, seed):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-eta / 2, -1 / (2 * eta), n)
    theta[0], theta[-1] = -eta / 2 * (1 - 1e-9), -1 / (2 * eta) * (1 + 1e-9)    # both extremes of (4.2)
    return [QuadraticUtility(t, s) for t, s in zip(theta, rng.uniform(10, 20, n))]


@pytest.mark.parametrize("g", GRAPHS, ids=lambda g: g.name)
@pytest.mark.parametrize("eta", [2.0, 5.0, 25.0])
def test_tuned_best_response_is_a_row_sum_contraction(g, eta):
    """||A||_inf = max(xi, max_i rho_i) < 1, the analytic row sums (4.65)/(4.77) equal the numeric
    ones, the public game is supermodular (A >= 0) and the private one is not
    (d y_i / d q^i_{n(i,i)} = 1/(delta xi v_i'') < 0)."""
    n = g.n_agents
    U = _utilities(n, eta, seed=n)
    v2 = np.array([2 * u.theta[0, 0] for u in U])
    for kind in ("private", "public"):
        t = tune(g, eta, kind)
        mech = (PrivateGoodsMechanism if kind == "private" else PublicGoodsMechanism)(g, t.xi, t.delta)
        A = best_response_jacobian(mech, U)
        rows = np.abs(A).sum(axis=1)
        y_rows = rows[0::n + 1]
        np.testing.assert_allclose(y_rows, mech.y_row_sums(v2), rtol=1e-9, atol=1e-12)
        assert rows.max() < 1
        assert rows.max() == pytest.approx(max(t.xi, y_rows.max()), rel=1e-9)
        q_rows = np.delete(rows.reshape(n, n + 1), 0, axis=1)
        for i in range(n):                       # q_i^w rows: xi for w != i, xi * rho_i for w = i
            np.testing.assert_allclose(np.delete(q_rows[i], i), t.xi, rtol=1e-9)
            assert q_rows[i, i] == pytest.approx(t.xi * y_rows[i], rel=1e-9)
        if kind == "public":
            assert A.min() >= -1e-12
        else:
            for i in range(n):
                j = g.next_hop[i, i]
                assert A[i * (n + 1), j * (n + 1) + 1 + i] == pytest.approx(1 / (t.delta * t.xi * v2[i]), rel=1e-8)
                assert A[i * (n + 1), j * (n + 1) + 1 + i] < 0


def test_directed_cycle_contraction_with_the_return_distance():
    g = directed_cycle(6)
    U = _utilities(6, 5.0, 6)
    t = tune(g, 5.0, "private")
    mech = PrivateGoodsMechanism(g, t.xi, t.delta)
    A = best_response_jacobian(mech, U)
    assert np.abs(A).sum(axis=1).max() < 1


def test_multiple_goods_row_sum_is_not_certified_by_the_single_good_tuning():
    """Theorem 5.4 for K > 1 says xi, delta are tuned "exactly as for K = 1". With a coupled
    Hessian allowed by (4.1) the y-row sum picks up |H^{-1}_kl|/delta terms that (4.1) does not
    bound, and ||A||_inf exceeds 1 (the sup-norm certificate fails), although rho(A) < 1 here.
    With uncoupled (diagonal) Hessians the K = 1 argument applies and ||A||_inf < 1."""
    eta = 5.0
    g = binary_tree(7)
    t = tune(g, eta, "private")
    a, o = np.array([4.4, 4.4]), 0.9 * 4.4                 # H^{-1} = [[-a1, o], [o, -a2]]
    coupled = QuadraticUtility(np.linalg.inv(np.array([[-a[0], o], [o, -a[1]]])) / 2, [10.0, 12.0])
    assert coupled.satisfies_curvature(eta)
    rng = np.random.default_rng(0)
    diag = [QuadraticUtility(np.diag(-1 / (2 * rng.uniform(1 / eta * 1.01, eta * 0.99, 2))), [10.0, 12.0])
            for _ in range(7)]
    mech = PrivateGoodsMechanism(g, t.xi, t.delta, supply=[0.0, 0.0])
    A = best_response_jacobian(mech, [coupled] * 7)
    assert np.abs(A).sum(axis=1).max() > 1.0
    assert np.max(np.abs(np.linalg.eigvals(A))) < 1.0
    A = best_response_jacobian(mech, diag)
    assert np.abs(A).sum(axis=1).max() < 1.0

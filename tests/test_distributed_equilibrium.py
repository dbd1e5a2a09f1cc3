"""Equilibrium of the ch. 4 mechanisms: the closed-form messages are the unique fixed point of the
best response, efficient (x = x*), priced at the duals, budget balanced and local
(Theorems 3.1, 3.4, 4.3; Facts 3.2, 4.1)."""
import numpy as np
import pytest
from scipy.optimize import minimize

from mechanisms.distributed import (LogCoshUtility, PrivateGoodsMechanism, PublicGoodsMechanism,
                                    QuadraticUtility, SmallMessageMechanism, binary_tree, complete_graph,
                                    cycle_graph, directed_cycle, erdos_renyi, grid_graph, path_graph,
                                    random_quadratic_utilities, solve_private, solve_public, spanning_tree,
                                    star_graph, tune)
from mechanisms.distributed.equilibrium import (best_response_jacobian, check_equilibrium,
                                                flat_profile)
from mechanisms.repeated_play import Cournot, repeated_play

GRAPHS = [path_graph(3), path_graph(6), cycle_graph(5), star_graph(6), complete_graph(5), grid_graph(3, 3),
          binary_tree(7), erdos_renyi(12, 0.3, seed=3)]


def _mech(kind, g, eta, **kw):
    t = tune(g, eta, kind)
    cls = PrivateGoodsMechanism if kind == "private" else PublicGoodsMechanism
    return cls(g, t.xi, t.delta, **kw)


def _extreme_utilities(n, eta, seed):
    """§6 of the notes: random theta plus the two extremes of (4.2)."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-eta / 2, -1 / (2 * eta), n)
    theta[0] = -eta / 2 * (1 - 1e-9)
    theta[-1] = -1 / (2 * eta) * (1 + 1e-9)
    return [QuadraticUtility(t, s) for t, s in zip(theta, rng.uniform(10, 20, n))]


@pytest.mark.parametrize("g", GRAPHS, ids=lambda g: g.name)
@pytest.mark.parametrize("eta", [2.0, 25.0])
def test_closed_form_equilibrium_is_certified_on_every_graph(g, eta):
    U = _extreme_utilities(g.n_agents, eta, seed=g.n_agents)
    for kind, kw in (("private", {"supply": 3.0}), ("public", {})):
        mech = _mech(kind, g, eta, **kw)
        rep = check_equilibrium(mech, U)
        assert rep.success, rep.message
        assert rep.locality == ()
        assert rep.individual_rationality_slack >= -1e-9 * (1 + abs(rep.individual_rationality_slack))
    sm = SmallMessageMechanism(spanning_tree(g))
    rep = check_equilibrium(sm, U)
    assert rep.success, rep.message


def test_values_at_equilibrium_match_the_thesis_formulas():
    g = binary_tree(7)
    U = random_quadratic_utilities(7, 5.0, seed=1)
    pvt = _mech("private", g, 5.0, supply=3.0)
    opt = solve_private(U, 3.0)
    m = pvt.equilibrium_messages(opt)
    np.testing.assert_allclose(pvt.allocation(m).sum(), 3.0, atol=1e-12)         # sum x_i = c_1
    np.testing.assert_allclose(pvt.prices(m), opt.prices[0], atol=1e-12)          # common price lambda*
    lam = opt.prices[0]
    np.testing.assert_allclose(pvt.taxes(m), lam * (opt.x[:, 0] - 3.0 / 7), atol=1e-10)   # (4.49)
    # (4.48) with c: y_i = (N-1)/N (x_i* - c/N) + delta lambda*/N;  q_i^r = xi^{D(i,r)} y_r
    y = 6 / 7 * (opt.x[:, 0] - 3 / 7) + pvt.delta * lam / 7
    np.testing.assert_allclose(m[:, 0], y)
    assert m[2, 1 + 6] == pytest.approx(pvt.xi ** g.distances[2, 6] * y[6])
    pub = _mech("public", g, 5.0)
    popt = solve_public(U)
    mp = pub.equilibrium_messages(popt)
    np.testing.assert_allclose(pub.allocation(mp), popt.x[0], atol=1e-12)        # common level x*
    np.testing.assert_allclose(pub.prices(mp), popt.prices[:, 0], atol=1e-12)     # Lindahl prices
    assert abs(pub.prices(mp).sum()) < 1e-12
    np.testing.assert_allclose(pub.taxes(mp), popt.prices[:, 0] * popt.x[0], atol=1e-12)   # (4.60)
    np.testing.assert_allclose(pub.penalties(mp), 0.0, atol=1e-24)


@pytest.mark.parametrize("kind", ["private", "public", "small"])
def test_equilibrium_is_unique_solution_of_the_affine_best_response(kind):
    """For quadratic utilities beta(m) = A m + b; I - A is nonsingular and (I - A)^{-1} b = m~."""
    g = cycle_graph(5)
    U = random_quadratic_utilities(5, 5.0, seed=2)
    mech = SmallMessageMechanism(spanning_tree(g)) if kind == "small" else _mech(kind, g, 5.0)
    A = best_response_jacobian(mech, U)
    b = flat_profile(mech, mech.game(U)(np.zeros(A.shape[0]) if kind == "small"
                                       else np.zeros(mech.message_shape)))
    m_eq = flat_profile(mech, mech.equilibrium_messages(
        solve_public(U) if kind == "public" else solve_private(U, 0.0)))
    assert np.linalg.matrix_rank(np.eye(A.shape[0]) - A) == A.shape[0]
    np.testing.assert_allclose(np.linalg.solve(np.eye(A.shape[0]) - A, b), m_eq, rtol=1e-8, atol=1e-8)


def test_a_perturbed_profile_fails_the_check():
    g = cycle_graph(5)
    U = random_quadratic_utilities(5, 5.0, seed=2)
    mech = _mech("private", g, 5.0)
    m = np.array(mech.equilibrium_messages(solve_private(U, 0.0)))
    m[2, 0] += 1e-3
    rep = check_equilibrium(mech, U, m)
    assert not rep.success and "best-response residual" in rep.message and "allocation error" in rep.message
    m = np.array(mech.equilibrium_messages(solve_private(U, 0.0)))
    m[1, 3] += 1e-3                                               # a proxy only: allocation may stay
    rep = check_equilibrium(mech, U, m)
    assert not rep.success and rep.max_penalty > 0


def test_multiple_goods_and_features():
    """K = 2 goods with c = (1, -2) and P = 2 features (4.19)-(4.23), (4.28), with coupled Hessians
    satisfying (4.1)."""
    rng = np.random.default_rng(4)
    eta = 5.0
    U = []
    for _ in range(7):
        a = rng.uniform(1 / eta * 1.1, eta * 0.9, 2)
        o = rng.uniform(-0.9, 0.9) * a.min()
        U.append(QuadraticUtility(np.linalg.inv(np.array([[-a[0], o], [o, -a[1]]])) / 2, rng.uniform(10, 20, 2)))
        assert U[-1].satisfies_curvature(eta)
    g = binary_tree(7)
    pvt = _mech("private", g, eta, supply=[1.0, -2.0])
    rep = check_equilibrium(pvt, U)
    assert rep.success, rep.message
    m = pvt.equilibrium_messages(solve_private(U, [1.0, -2.0]))
    np.testing.assert_allclose(pvt.allocation(m).sum(axis=0), [1.0, -2.0], atol=1e-10)
    pub = _mech("public", g, eta, n_features=2)
    rep = check_equilibrium(pub, U)
    assert rep.success, rep.message


def test_directed_graph_uses_the_return_distance():
    """On the directed 6-cycle d(n(i,i), i) = 5: the estimate hat y_i^(i) divides by xi^5 (an
    extension of (4.16b) to graphs without reciprocal edges); the equilibrium is still certified."""
    g = directed_cycle(6)
    U = random_quadratic_utilities(6, 5.0, seed=7)
    mech = _mech("private", g, 5.0, supply=1.0)
    assert np.all(mech.layout.self_exponent == 5)
    rep = check_equilibrium(mech, U)
    assert rep.success, rep.message


@pytest.mark.parametrize("kind", ["private", "public"])
def test_non_quadratic_utilities_learn_the_centralized_optimum(kind):
    """v_i = -alpha x^2/2 - gamma log cosh x + sigma x (v'' in (-alpha - gamma, -alpha]): Cournot
    play converges to an equilibrium whose allocation is the optimum found by a generic optimiser."""
    rng = np.random.default_rng(11)
    eta = 4.0
    U = [LogCoshUtility(rng.uniform(0.5, 1.5), rng.uniform(0.5, 2.0), rng.uniform(-3, 3)) for _ in range(6)]
    assert all(u.satisfies_curvature(eta) for u in U)
    g = cycle_graph(6)
    mech = _mech(kind, g, eta, **({"supply": 2.0} if kind == "private" else {}))
    res = repeated_play(mech.game(U), np.zeros(mech.message_shape), joint=True, dynamic=Cournot(),
                                 tol=1e-14, max_rounds=5000, record_every=0)
    assert res.success, res.message
    x = mech.allocation(res.final)
    if kind == "private":
        def neg_welfare(z):
            z = np.append(z, 2.0 - z.sum())
            return -sum(u.value([zi]) for u, zi in zip(U, z))
        z = minimize(neg_welfare, np.zeros(5), method="BFGS", options={"gtol": 1e-11}).x
        np.testing.assert_allclose(x, np.append(z, 2.0 - z.sum()), atol=1e-6)
    else:
        z = minimize(lambda z: -sum(u.value(z) for u in U), np.zeros(1), method="BFGS", options={"gtol": 1e-11}).x
        np.testing.assert_allclose(x, z[0], atol=1e-6)          # every agent's level is x*
    rep = check_equilibrium(mech, U, res.final, rtol=1e-7)
    assert rep.success, rep.message

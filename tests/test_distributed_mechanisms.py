"""The three mechanisms of ch. 4 off equilibrium: message layout and dimension, locality,
concavity of u_i in m_i, the closed-form best response against a numerical maximisation."""
import numpy as np
import pytest
from scipy.optimize import minimize

from mechanisms.distributed import (LogCoshUtility, PrivateGoodsMechanism, PublicGoodsMechanism,
                                    QuadraticUtility, SmallMessageMechanism, binary_tree, complete_graph,
                                    cycle_graph, directed_cycle, erdos_renyi, path_graph,
                                    random_quadratic_utilities, spanning_tree, star_graph, tune)
from mechanisms.distributed.equilibrium import locality_violations

ETA = 5.0


def _pvt(g, **kw):
    t = tune(g, ETA, "private")
    return PrivateGoodsMechanism(g, t.xi, t.delta, **kw)


def _pub(g, **kw):
    t = tune(g, ETA, "public")
    return PublicGoodsMechanism(g, t.xi, t.delta, **kw)


def _random_profile(mech, rng, scale=10.0):
    if isinstance(mech, SmallMessageMechanism):
        return tuple(scale * rng.standard_normal(s) for s in mech.message_sizes)
    return scale * rng.standard_normal(mech.message_shape)


MECHANISMS = [
    ("pvt-cycle7", lambda: _pvt(cycle_graph(7), supply=2.0)),
    ("pvt-tree7", lambda: _pvt(binary_tree(7))),
    ("pvt-directed6", lambda: _pvt(directed_cycle(6))),
    ("pvt-K2-star5", lambda: _pvt(star_graph(5), supply=[1.0, -2.0])),
    ("pub-cycle7", lambda: _pub(cycle_graph(7))),
    ("pub-er10", lambda: _pub(erdos_renyi(10, 0.3, seed=2))),
    ("pub-P2-path4", lambda: _pub(path_graph(4), n_features=2)),
    ("sum-tree7", lambda: SmallMessageMechanism(binary_tree(7))),
    ("sum-bfs-er10", lambda: SmallMessageMechanism(spanning_tree(erdos_renyi(10, 0.3, seed=2)))),
]


@pytest.mark.parametrize("name, make", MECHANISMS, ids=[m[0] for m in MECHANISMS])
def test_outcomes_depend_only_on_neighbours(name, make):
    """Facts 3.2 / 4.1: x_i, t_i, p_i are unchanged, to the last bit, when non-neighbours change
    their messages, and p_i does not depend on m_i; and every neighbour's message does matter."""
    mech = make()
    rng = np.random.default_rng(0)
    for trial in range(2):
        m = _random_profile(mech, rng)
        assert locality_violations(mech, m, seed=trial) == []
    # the dependence on neighbours is real: changing a neighbour's message changes x_i or t_i
    m = _random_profile(mech, rng)
    x0, _, t0 = mech.outcome(m)
    i = 1
    for j in mech.dependencies(i):
        if j == i:
            continue
        if isinstance(mech, SmallMessageMechanism):
            m2 = list(m)
            m2[j] = m2[j] + 1.0
            m2 = tuple(m2)
        else:
            m2 = np.array(m)
            m2[j] += 1.0
        x1, _, t1 = mech.outcome(m2)
        assert not (np.array_equal(np.asarray(x0)[i], np.asarray(x1)[i]) and t0[i] == t1[i])


def _numeric_hessian(f, x, h=1.0):
    """Central second differences; exact up to rounding for quadratic f."""
    n = x.size
    H = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            ea, eb = np.eye(n)[a] * h, np.eye(n)[b] * h
            H[a, b] = (f(x + ea + eb) - f(x + ea - eb) - f(x - ea + eb) + f(x - ea - eb)) / (4 * h * h)
    return H


@pytest.mark.parametrize("kind", ["private", "public"])
def test_payoff_hessian_in_own_message_is_the_thesis_matrix(kind):
    """Lemmas 3.3 / 4.2 via (4.39)/(4.50): u_i is strictly concave in m_i; H_11 = v'' - 2 xi^2
    (private) or v''/N^2 - (2 + delta) xi^2 (public), H_{1,i+1} = 2 xi, the other q's -2; exactly
    N - 1 eigenvalues equal -2."""
    g = cycle_graph(6)
    n = g.n_agents
    utilities = random_quadratic_utilities(n, ETA, seed=3)
    mech = _pvt(g) if kind == "private" else _pub(g)
    game = mech.game(utilities)
    m = _random_profile(mech, np.random.default_rng(1))
    for i in (0, 4):
        def u_i(mi):
            mm = np.array(m)
            mm[i] = mi
            return game.payoffs(mm)[i]
        H = _numeric_hessian(u_i, np.array(m[i]))
        v2 = 2 * utilities[i].theta[0, 0]
        expected = -2.0 * np.eye(n + 1)
        expected[0, 0] = v2 - 2 * mech.xi ** 2 if kind == "private" else v2 / n ** 2 - (2 + mech.delta) * mech.xi ** 2
        expected[0, 1 + i] = expected[1 + i, 0] = 2 * mech.xi
        np.testing.assert_allclose(H, expected, atol=1e-6)
        ev = np.linalg.eigvalsh(H)
        assert np.all(ev < 0)
        assert np.sum(np.isclose(ev, -2.0, atol=1e-6)) == n - 1


@pytest.mark.parametrize("kind", ["private", "public", "small"])
@pytest.mark.parametrize("utility", ["quadratic", "logcosh"])
def test_closed_form_best_response_maximises_the_payoff(kind, utility):
    g = path_graph(4)
    rng = np.random.default_rng(5)
    if utility == "quadratic":
        utilities = random_quadratic_utilities(4, ETA, rng)
    else:
        utilities = [LogCoshUtility(rng.uniform(0.5, 1.5), rng.uniform(0.5, 2.0), rng.uniform(-3, 3)) for _ in range(4)]
    mech = {"private": lambda: _pvt(g, supply=1.5), "public": lambda: _pub(g),
            "small": lambda: SmallMessageMechanism(g)}[kind]()
    game = mech.game(utilities)
    m = _random_profile(mech, rng, scale=1.0)
    br = game.best_response(m)
    for i in (0, 2):
        def neg_u(mi):
            if kind == "small":
                mm = list(m)
                mm[i] = mi
                return -game.payoffs(tuple(mm))[i]
            mm = np.array(m)
            mm[i] = mi
            return -game.payoffs(mm)[i]
        x0 = np.asarray(m[i], dtype=float) + rng.standard_normal(np.size(m[i]))
        opt = minimize(neg_u, x0, method="BFGS", options={"gtol": 1e-10, "maxiter": 10_000})
        np.testing.assert_allclose(opt.x, np.asarray(br[i]), atol=1e-4, rtol=1e-5)
        assert -neg_u(np.asarray(br[i])) >= -opt.fun - 1e-9
        for _ in range(5):                      # no perturbation improves on the best response
            assert neg_u(np.asarray(br[i]) + 1e-3 * rng.standard_normal(np.size(m[i]))) >= neg_u(np.asarray(br[i]))


def _measured_dimensions(mech):
    """Number of message entries each agent sends that change someone's outcome (perturbation)."""
    rng = np.random.default_rng(0)
    m = _random_profile(mech, rng)
    base = [np.asarray(a) for a in mech.outcome(m)]
    dims = []
    for i in range(mech.n_agents):
        used = 0
        size = np.size(m[i])
        for c in range(size):
            if isinstance(mech, SmallMessageMechanism):
                mm = list(m)
                mm[i] = np.array(mm[i])
                mm[i][c] += 1.0
                mm = tuple(mm)
            else:
                mm = np.array(m)
                mm[i].reshape(-1)[c] += 1.0
            new = [np.asarray(a) for a in mech.outcome(mm)]
            used += any(not np.array_equal(a, b) for a, b in zip(base, new))
        dims.append(used)
    return np.array(dims)


def test_message_dimension_grows_with_degree_for_the_small_message_mechanism():
    """§3.2: dim M_i = 1 + |N(i)| + |I_i| grows with the node degree (average 2 + deg); the
    learning mechanisms need N + 1 per agent whatever the degree (§3.3). Measured: the entries of
    m_i that change some outcome when perturbed."""
    centre_dims, pvt_dims = [], []
    for n in (3, 5, 7, 9):
        star = star_graph(n)
        sm = SmallMessageMechanism(star)
        d = _measured_dimensions(sm)
        assert np.array_equal(d, sm.message_sizes)               # no dead coordinates
        centre_dims.append(d[0])
        assert np.all(d[1:] <= 3)                                 # leaves: y, n^centre, at most one q
        pv = _measured_dimensions(_pvt(star))
        assert np.all(pv == n + 1)                                # independent of the degree
        pvt_dims.append(pv[0])
    degrees = np.array([2, 4, 6, 8])
    slope = np.polyfit(degrees, centre_dims, 1)[0]
    # the centre gets one n-entry per neighbour, and every leaf chooses it as phi(leaf): +1 q-entry
    assert slope == pytest.approx(2.0, abs=1e-9)
    assert np.array_equal(pvt_dims, [4, 6, 8, 10])                # N + 1: grows with N, not with the degree
    assert np.all(np.diff(centre_dims) > 0)
    # across all nodes of a tree: dimension - |I_i| - 1 equals the degree exactly
    t = binary_tree(15)
    sm = SmallMessageMechanism(t)
    d = _measured_dimensions(sm)
    chosen = np.bincount(sm.phi, minlength=15)
    np.testing.assert_array_equal(d - 1 - chosen, t.degrees)
    assert d.sum() == 4 * 15 - 2 and d.mean() == pytest.approx(2 + 2 * 14 / 15)


def test_small_message_total_dimension_on_the_experiment_graphs():
    for g in (binary_tree(31), spanning_tree(erdos_renyi(31, 0.3, seed=0)), spanning_tree(complete_graph(31))):
        sm = SmallMessageMechanism(g)
        assert sm.dimension == 122                               # 4N - 2, vs N(N+1) = 992 for M_pvt


def test_off_equilibrium_outcomes_are_not_feasible_or_balanced():
    """Nothing is claimed off equilibrium: random messages break sum_i x_i = c, budget balance and
    (public) the common level."""
    rng = np.random.default_rng(9)
    pvt = _pvt(cycle_graph(5), supply=3.0)
    pub = _pub(cycle_graph(5))
    for _ in range(3):
        m = _random_profile(pvt, rng)
        assert abs(pvt.allocation(m).sum() - 3.0) > 1e-6
        assert abs(pvt.taxes(m).sum()) > 1e-6
        x = pub.allocation(m)
        assert np.ptp(x) > 1e-6 and abs(pub.taxes(m).sum()) > 1e-6


def test_vectorised_and_per_agent_utility_paths_agree():
    """The batched quadratic path equals the generic per-agent path (same utilities wrapped)."""
    class Wrapped(QuadraticUtility):
        pass
    g = binary_tree(7)
    U = random_quadratic_utilities(7, ETA, seed=4)
    W = [Wrapped(u.theta, u.sigma) for u in U]
    for mech in (_pvt(g, supply=1.0), _pub(g)):
        game_fast = mech.game(U)
        game_slow = mech.game(W)
        game_slow.arrays.quadratic = False
        m = _random_profile(mech, np.random.default_rng(2))
        np.testing.assert_allclose(game_fast(m), game_slow(m), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(game_fast.payoffs(m), game_slow.payoffs(m), rtol=1e-10)


@pytest.mark.parametrize("call, match", [
    (lambda: PrivateGoodsMechanism(path_graph(3), 1.2, 10.0), "xi"),
    (lambda: PrivateGoodsMechanism(path_graph(3), 0.9, -1.0), "delta"),
    (lambda: PrivateGoodsMechanism(path_graph(2), 0.9, 1.0), "N >= 3"),
    (lambda: PrivateGoodsMechanism(path_graph(3), 0.9, 1.0, supply=[1, 2], n_goods=3), "supply"),
    (lambda: PrivateGoodsMechanism("graph", 0.9, 1.0), "graph"),
    (lambda: PublicGoodsMechanism(directed_cycle(5), 0.99, 1.0), "d\\(n\\(i,i\\), i\\)"),
    (lambda: PublicGoodsMechanism(path_graph(3), 0.9, 1.0, n_features=0), "n_features"),
    (lambda: SmallMessageMechanism(cycle_graph(5)), "tree"),
    (lambda: _pvt(path_graph(3)).allocation(np.zeros((3, 3))), "m: expected"),
    (lambda: _pvt(path_graph(3)).taxes(np.full((3, 4), np.nan)), "finite"),
    (lambda: SmallMessageMechanism(path_graph(3)).allocation((np.zeros(3), np.zeros(3), np.zeros(2))), r"m\[1\]: expected 5"),
    (lambda: _pvt(path_graph(3)).game([QuadraticUtility(-1.0, 0.0)] * 2), "utilities"),
    (lambda: _pvt(path_graph(3)).game([QuadraticUtility(-np.eye(2), np.zeros(2))] * 3), "dimension"),
    (lambda: QuadraticUtility(1.0, 0.0), "theta"),
    (lambda: LogCoshUtility(-1.0, 0.0, 0.0), "alpha"),
])
def test_validation_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match):
        call()

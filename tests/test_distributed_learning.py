"""Learning by repeated play (ch. 4 §5): every adaptive best-response dynamic converges to the
unique equilibrium of the tuned mechanisms from random starts (Theorems 5.4-5.5 with Fact 5.3),
allocation and price errors vanish (Figs 13-14 in miniature), and the §3.2 small-message
mechanism has no such guarantee (Cournot diverges)."""
import numpy as np
import pytest

from mechanisms.distributed import (PrivateGoodsMechanism, PublicGoodsMechanism, SmallMessageMechanism,
                                    binary_tree, cycle_graph, erdos_renyi, path_graph,
                                    random_quadratic_utilities, solve_private, solve_public, tune)
from mechanisms.distributed.equilibrium import best_response_jacobian
from mechanisms.repeated_play import (Cournot, ExponentialAverage, FictitiousPlay, HeterogeneousWindow,
                                      RandomConvexWindow, SampledPast, WindowAverage,
                                      repeated_play)

ETA = 5.0
TOL = 1e-6          # ||m_n - m~||_2 below this, absolute (equilibrium norms here are 10-300)

# (dynamic, order, rounds allowed). Measured on the 7-node tree (rho(A) = 0.92 private, 0.80
# public), from two random starts at scale 100: Cournot 240 / 87 rounds (sequential 123 / 44,
# asynchronous with probability 1/2 about 2x), D1 372 / 134, 3-windows 460-505 / 163-173,
# the 10-window 1343 / 467. The caps leave about 2x room over the slower (private) case.
DYNAMICS = [
    (Cournot(), "simultaneous", 600),
    (Cournot(), "sequential", 600),
    (Cournot(), "asynchronous", 1200),
    (ExponentialAverage(0.5), "simultaneous", 800),
    (ExponentialAverage(0.5), "asynchronous", 1600),
    (WindowAverage(3), "simultaneous", 1000),
    (WindowAverage(10), "simultaneous", 2600),
    (RandomConvexWindow(3), "simultaneous", 1000),
    (RandomConvexWindow(3, per_player=True), "simultaneous", 1000),
    (HeterogeneousWindow(window=3), "simultaneous", 1200),
    (SampledPast(3), "simultaneous", 1200),
]


def _setup(kind, g, seed=1):
    U = random_quadratic_utilities(g.n_agents, ETA, seed)
    t = tune(g, ETA, kind)
    if kind == "private":
        mech = PrivateGoodsMechanism(g, t.xi, t.delta, supply=1.0)
        opt = solve_private(U, 1.0)
    else:
        mech = PublicGoodsMechanism(g, t.xi, t.delta)
        opt = solve_public(U)
    return mech, U, opt, mech.equilibrium_messages(opt)


@pytest.mark.parametrize("kind", ["private", "public"])
@pytest.mark.parametrize("dynamic, order, cap", DYNAMICS,
                         ids=[f"{d.name}-{getattr(d, 'window', '')}-{o}" for d, o, _ in DYNAMICS])
def test_every_abr_dynamic_converges_from_random_starts(kind, dynamic, order, cap):
    mech, U, opt, m_eq = _setup(kind, binary_tree(7))
    game = mech.game(U)
    for seed in range(2):
        res = repeated_play(game, joint=True, start="random", target=m_eq, start_scale=100.0, dynamic=dynamic,
                                     order=order, target_tol=TOL, max_rounds=cap, seed=seed, record_every=0)
        assert res.errors[0] > 100.0
        assert res.success and res.status == 4, f"{res.message}; error {res.errors[-1]:.3g}"
        assert res.nit <= cap


@pytest.mark.parametrize("kind", ["private", "public"])
def test_convergence_on_a_random_graph_and_a_cycle(kind):
    for g in (erdos_renyi(12, 0.3, seed=3), cycle_graph(5)):
        mech, U, opt, m_eq = _setup(kind, g, seed=2)
        for dyn, cap in ((Cournot(), 800), (ExponentialAverage(), 1000), (WindowAverage(10), 3000)):
            res = repeated_play(mech.game(U), joint=True, start="random", target=m_eq, start_scale=100.0, dynamic=dyn,
                                         target_tol=TOL, max_rounds=cap, seed=5, record_every=0)
            assert res.success, (g.name, dyn.name, res.message)


def test_allocation_and_price_errors_vanish_along_the_play():
    """Figs 13-14 in miniature: ||x(m_n) - x*||_2 and ||p(m_n) - lambda* 1||_2 (private), and the
    spread of the public levels and ||p(m_n) - mu*||_2, go to zero with ||m_n - m~||_2."""
    for kind in ("private", "public"):
        mech, U, opt, m_eq = _setup(kind, binary_tree(7), seed=4)
        lam = opt.prices[0] if kind == "private" else opt.prices[:, 0]
        x_star = opt.x[:, 0] if kind == "private" else opt.x[0]

        def monitor(m):
            x = mech.allocation(m)
            return {"allocation": np.linalg.norm(x - x_star), "price": np.linalg.norm(mech.prices(m) - lam),
                    "spread": np.ptp(x)}
        for dyn in (ExponentialAverage(), WindowAverage(10)):
            res = repeated_play(mech.game(U), joint=True, start=np.zeros(mech.message_shape), dynamic=dyn,
                                         target=m_eq, target_tol=1e-9, max_rounds=4000, monitor=monitor,
                                         record_every=0)
            assert res.success
            a, p = res.monitored["allocation"], res.monitored["price"]
            assert a[0] > 1.0 and p[0] > 1.0 and a[-1] < 1e-8 and p[-1] < 1e-8
            # both errors are O(distance of the messages): bounded by a fixed multiple of it
            ratio = np.maximum(a, p)[1:] / res.errors[1:]
            assert ratio.max() < 10 * ratio[len(ratio) // 2] + 1.0
            if kind == "public":
                assert res.monitored["spread"][0] > 0 or res.monitored["spread"][1] > 0
                assert res.monitored["spread"][-1] < 1e-8


@pytest.mark.parametrize("kind", ["private", "public"])
def test_sup_norm_contraction_invariant_of_the_window_dynamics(kind):
    """For every window dynamic and n >= 1:
    ||m_n - m~||_inf <= ||A||_inf max_{n-k <= s < n} ||m_s - m~||_inf (A = the Jacobian of beta)."""
    mech, U, opt, m_eq = _setup(kind, cycle_graph(5), seed=6)
    A = best_response_jacobian(mech, U)
    norm = np.abs(A).sum(axis=1).max()
    assert norm < 1
    for dyn, k in ((Cournot(), 1), (WindowAverage(3), 3), (RandomConvexWindow(4), 4), (SampledPast(2), 2)):
        res = repeated_play(mech.game(U), joint=True, start="random", target=m_eq, start_scale=50.0, dynamic=dyn,
                                     norm=np.inf, max_rounds=300, seed=1)
        e = res.errors
        for n in range(1, e.size):
            assert e[n] <= norm * e[max(0, n - k):n].max() * (1 + 1e-9) + 1e-9
    res = repeated_play(mech.game(U), joint=True, start="random", target=m_eq, start_scale=50.0,
                                 dynamic=ExponentialAverage(), norm=np.inf, max_rounds=300, seed=1)
    assert np.all(res.errors[1:] <= norm * np.maximum.accumulate(res.errors)[:-1] * (1 + 1e-9) + 1e-9)


def test_exponential_weighting_beats_the_ten_window_and_both_are_exponential():
    """§5.2 observations 1 and 4, in miniature: straight lines on a semilog plot, D1 faster than D2
    (predicted ratio of rates (2/3)/(2/11) = 3.67 for a real dominant eigenvalue)."""
    mech, U, opt, m_eq = _setup("public", binary_tree(15), seed=8)
    rates = {}
    for name, dyn in (("D1", ExponentialAverage()), ("D2", WindowAverage(10))):
        res = repeated_play(mech.game(U), joint=True, start=np.zeros(mech.message_shape), dynamic=dyn, target=m_eq,
                                     target_tol=1e-9, max_rounds=5000, record_every=0)
        assert res.success
        lo, hi = res.rounds_to(1e-2), res.rounds_to(1e-8)
        n = np.arange(lo, hi + 1)
        slope, intercept = np.polyfit(n, np.log10(res.errors[n]), 1)
        resid = np.log10(res.errors[n]) - (slope * n + intercept)
        assert np.max(np.abs(resid)) < 0.5                     # log-linear within half a decade
        rates[name] = -slope
    assert 2.5 < rates["D1"] / rates["D2"] < 5.0


def test_fictitious_play_error_decays_polynomially():
    """FP is in the ABR class but converges only like n^-(1 - Re lambda_max(A)) here (notes §4.5)."""
    t = tune(path_graph(3), 2.0, "public")
    mech = PublicGoodsMechanism(path_graph(3), t.xi, t.delta)
    U = random_quadratic_utilities(3, 2.0, 5)
    m_eq = mech.equilibrium_messages(solve_public(U))
    ev = np.linalg.eigvals(best_response_jacobian(mech, U))
    predicted = -(1 - ev.real.max())
    res = repeated_play(mech.game(U), joint=True, start="random", target=m_eq, start_scale=100.0,
                                 dynamic=FictitiousPlay(), max_rounds=8000, seed=1, norm=np.inf, record_every=0)
    e = res.errors
    assert e[-1] < e[1000] < e[100] < e[0]
    n = np.array([500, 1000, 2000, 4000, 8000])
    slope = np.polyfit(np.log(n), np.log(e[n]), 1)[0]
    assert slope == pytest.approx(predicted, abs=0.1)
    assert e[-1] > 1e-3                                        # far from the 1e-6 of the other dynamics


def test_small_message_mechanism_has_no_learning_guarantee():
    """§3.2: the best response is "far from contractive". Measured: rho(A) > 1 on a 7-node tree, and
    Cournot play started 1e-6 away from the equilibrium is driven 1e3 away; the learning mechanism
    M_pvt on the same tree and utilities converges from the same kind of start."""
    tree = binary_tree(7)
    U = random_quadratic_utilities(7, 2.0, 0)
    opt = solve_private(U, 0.0)
    sm = SmallMessageMechanism(tree)
    m_eq = sm.equilibrium_messages(opt)
    A = best_response_jacobian(sm, U)
    assert np.max(np.abs(np.linalg.eigvals(A))) > 1.1 and np.abs(A).sum(axis=1).max() > 1
    start = tuple(a + 1e-6 for a in m_eq)
    res = repeated_play(sm.game(U), start, joint=True, dynamic=Cournot(), target=m_eq, divergence_bound=1e3,
                                 max_rounds=500, record_every=0)
    assert res.status == 6 and res.errors[0] < 1e-5 and res.errors[-1] > 1e3
    t = tune(tree, 2.0, "private")
    pvt = PrivateGoodsMechanism(tree, t.xi, t.delta)
    p_eq = pvt.equilibrium_messages(opt)
    res = repeated_play(pvt.game(U), joint=True, start=np.array(p_eq) + 1e-6, dynamic=Cournot(), target=p_eq,
                                 target_tol=1e-9, max_rounds=500)
    assert res.success

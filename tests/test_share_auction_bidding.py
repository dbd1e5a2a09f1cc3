"""Seed 001: optimal bids under beliefs, normal-normal learning, repeated bidding."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import norm

from mechanisms.share_auction import (LogValuation, NormalBelief, PowerValuation, bayesian_bidding,
                                      best_response, best_response_dynamics, expected_utility,
                                      nash_equilibrium, optimal_bid, posterior, predictive,
                                      update_belief)


# ---- optimal bid --------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(st.floats(0.2, 10), st.floats(0.1, 10), st.floats(0.2, 5), st.floats(0.05, 20),
       st.sampled_from(["log", "power"]))
def test_optimal_bid_under_point_mass_belief_is_the_best_response(a, b, C, y, kind):
    v = LogValuation(a, b) if kind == "log" else PowerValuation(a, min(b / 11, 0.95))
    s_belief = optimal_bid(v, NormalBelief(y, 0.0), C)
    s_br = best_response(v, y, C)  # closed form (log) / brentq (power): another code path
    assert s_belief == pytest.approx(s_br, rel=1e-9, abs=1e-13)
    # and a vanishing spread converges to it
    assert optimal_bid(v, NormalBelief(y, 1e-9 * y), C) == pytest.approx(s_br, rel=1e-6, abs=1e-12)


def _adaptive_optimal_bid(a, b, C, mu, tau, clip=False):
    """s^o for V = a ln(1 + b x) and N(mu, tau^2) truncated to y > 0 (or clipped: the mass of
    y <= 0 sits at y = 0, where the marginal value of the bid is 0), by adaptive quadrature."""
    def slope(s):
        f = lambda y: a * b / (1 + b * C * s / (s + y)) * C * y / (s + y) ** 2 * norm.pdf(y, mu, tau)
        integral, _ = quad(f, 0, mu + 12 * tau, epsabs=1e-14, epsrel=1e-13, limit=200)
        return (integral if clip else integral / norm.sf(0, mu, tau)) - 1
    return brentq(slope, 1e-9, a * np.log1p(b * C), xtol=1e-15)


@pytest.mark.parametrize("a, b, C, mu, tau", [(5.0, 10.0, 1.0, 3.0, 1.5), (1.0, 2.0, 2.0, 0.5, 0.4)])
# (2, 1, 1, 1, 0.3) is checked against the same quadrature in the notes' fixture test below
def test_optimal_bid_matches_adaptive_quadrature(a, b, C, mu, tau):
    s = optimal_bid(LogValuation(a, b), NormalBelief(mu, tau), C)
    assert s == pytest.approx(_adaptive_optimal_bid(a, b, C, mu, tau), rel=1e-7)


def test_notes_belief_fixture_and_its_quadrature_error():
    # V = 2 ln(1 + x), C = 1, belief N(1, 0.3^2): the notes print s^o = 0.281534 (Gauss-Hermite);
    # the truncated normal gives 0.2817488, the clipped one 0.2815549
    v = LogValuation(2.0, 1.0)
    truncated = optimal_bid(v, NormalBelief(1.0, 0.3), 1.0)
    clipped = optimal_bid(v, NormalBelief(1.0, 0.3), 1.0, truncation="clip")
    assert truncated == pytest.approx(0.2817488, abs=1e-7)
    assert clipped == pytest.approx(0.2815549, abs=1e-7)
    # both values checked against an independent computation, not only against the code's output
    assert truncated == pytest.approx(_adaptive_optimal_bid(2.0, 1.0, 1.0, 1.0, 0.3), rel=1e-7)
    assert clipped == pytest.approx(_adaptive_optimal_bid(2.0, 1.0, 1.0, 1.0, 0.3, clip=True), rel=1e-7)
    assert abs(clipped - 0.281534) < 3e-5 and abs(truncated - 0.281534) > 2e-4


@settings(max_examples=30, deadline=None)
@given(st.floats(0.5, 10), st.floats(0.5, 10), st.floats(0.1, 5), st.floats(0.05, 1.0))
def test_expected_utility_is_concave_and_maximised_by_the_optimal_bid(a, b, mu, rel_sd):
    v = LogValuation(a, b)
    belief = NormalBelief(mu, rel_sd * mu)
    s_opt = optimal_bid(v, belief, 1.0)
    grid = np.linspace(0, 2 * s_opt + 0.5, 41)
    eu = np.array([expected_utility(v, s, belief, 1.0) for s in grid])
    h = grid[1] - grid[0]
    assert np.all(eu[2:] - 2 * eu[1:-1] + eu[:-2] <= 1e-9 * h)
    assert expected_utility(v, s_opt, belief, 1.0) >= eu.max() - 1e-12


# ---- beliefs --------------------------------------------------------------------------------
def test_notes_posterior_fixture():
    post = posterior(NormalBelief(1.0, 0.5), [1.3, 1.25, 1.35], 0.2)
    assert post.mean == pytest.approx(1.2848101, abs=1e-7)
    assert post.variance == pytest.approx(1 / 79, rel=1e-14)


@settings(max_examples=80, deadline=None)
@given(st.floats(-5, 5), st.floats(0.1, 3), st.floats(0.05, 3),
       st.lists(st.floats(-5, 5), min_size=0, max_size=8), st.randoms())
def test_posterior_matches_the_conjugate_formula_recursion_and_order(mu0, tau0, sigma, xs, rnd):
    prior = NormalBelief(mu0, tau0)
    post = posterior(prior, xs, sigma)
    m = len(xs)
    var = 1 / (1 / tau0 ** 2 + m / sigma ** 2)
    mean = var * (mu0 / tau0 ** 2 + sum(xs) / sigma ** 2)
    assert post.variance == pytest.approx(var, rel=1e-12)
    assert post.mean == pytest.approx(mean, rel=1e-12, abs=1e-12)
    b = prior
    shuffled = list(xs)
    rnd.shuffle(shuffled)
    for x in shuffled:
        b = update_belief(b, x, sigma)
    assert b.mean == pytest.approx(post.mean, rel=1e-12, abs=1e-12)
    assert b.variance == pytest.approx(post.variance, rel=1e-12)


def test_posterior_matches_bayes_rule_on_a_grid():
    prior, sigma, xs = NormalBelief(2.0, 0.7), 0.4, [2.5, 1.9, 3.1]
    theta = np.linspace(-3, 7, 200_001)
    log_density = norm.logpdf(theta, prior.mean, prior.sd) + sum(norm.logpdf(x, theta, sigma) for x in xs)
    p = np.exp(log_density - log_density.max())
    p /= p.sum()
    mean = (theta * p).sum()
    var = ((theta - mean) ** 2 * p).sum()
    post = posterior(prior, xs, sigma)
    assert post.mean == pytest.approx(mean, abs=1e-9)
    assert post.variance == pytest.approx(var, rel=1e-6)
    assert predictive(post, sigma).variance == pytest.approx(post.variance + sigma ** 2)


# ---- repeated bidding -------------------------------------------------------------------------
def test_bayesian_bidding_follows_the_recursion():
    vals = [LogValuation(a, 10.0) for a in (2.0, 5.0, 8.0, 3.0)]
    priors = [NormalBelief(m, 0.5 * m) for m in (1.5, 2.0, 1.0, 3.0)]
    sig = np.array([0.3, 0.4, 0.2, 0.6])
    run = bayesian_bidding(vals, 1.0, priors, sig, 4)
    assert run.success and run.bids.shape == (5, 4)
    for i, (v, p) in enumerate(zip(vals, priors)):
        assert run.bids[0, i] == pytest.approx(optimal_bid(v, p, 1.0), rel=1e-12)
        belief = p
        for t in range(1, 5):
            observed = run.bids[t - 1].sum() - run.bids[t - 1, i]
            assert run.others_sums[t - 1, i] == pytest.approx(observed, rel=1e-14)
            belief = update_belief(belief, observed, sig[i])
            assert run.belief_means[t, i] == pytest.approx(belief.mean, rel=1e-12)
            assert run.belief_sds[t, i] == pytest.approx(belief.sd, rel=1e-12)
            assert run.bids[t, i] == pytest.approx(optimal_bid(v, belief, 1.0), rel=1e-9)
    pred = bayesian_bidding(vals, 1.0, priors, sig, 1, belief_use="predictive")
    assert pred.bids[0, 0] == pytest.approx(optimal_bid(vals[0], predictive(priors[0], sig[0]), 1.0), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_point_mass_best_response_dynamics_reach_the_equilibrium(seed):
    """Theorem 2 check: with beliefs at the realised S_{-i}, belief-optimal bids are best responses,
    and their (sequential) iteration converges to the equilibrium of Theorem 1."""
    rng = np.random.default_rng(seed)
    vals = [LogValuation(a, 10.0) for a in rng.uniform(1, 10, 6)]
    ne = nash_equilibrium(vals, 1.0)
    res = best_response_dynamics(vals, 1.0, ne.bids * rng.uniform(0.5, 1.5, 6), max_rounds=300)
    assert res.success and res.status == 0
    np.testing.assert_allclose(np.concatenate(res.final), ne.bids, rtol=1e-9)


def test_bidding_validation_names_the_argument():
    v = [LogValuation(1.0), LogValuation(2.0)]
    with pytest.raises(ValueError, match=r"priors\[1\]"):
        bayesian_bidding(v, 1.0, [NormalBelief(1, 1), NormalBelief(1, 0)], 0.1, 2)
    with pytest.raises(ValueError, match="noise_sds"):
        bayesian_bidding(v, 1.0, [NormalBelief(1, 1)] * 2, -0.1, 2)
    with pytest.raises(ValueError, match="belief_use"):
        bayesian_bidding(v, 1.0, [NormalBelief(1, 1)] * 2, 0.1, 2, belief_use="mode")
    with pytest.raises(ValueError, match="truncation"):
        optimal_bid(v[0], NormalBelief(1, 1), 1.0, truncation="fold")
    with pytest.raises(ValueError, match="NormalBelief: sd"):
        NormalBelief(1.0, -1.0)


def test_simultaneous_best_responses_can_collapse_where_sequential_ones_converge():
    vals = [LogValuation(a, 1.0) for a in (1.0, 2.0, 3.0)]
    with pytest.raises(ValueError, match="others_sum"):  # round 1: s = (0, 0, 0.303); round 2: no best response
        best_response_dynamics(vals, 1.0, [1.0, 1.0, 1.0], order="simultaneous")
    res = best_response_dynamics(vals, 1.0, [1.0, 1.0, 1.0], order="sequential")
    assert res.success and res.status == 0
    np.testing.assert_allclose(np.concatenate(res.final), nash_equilibrium(vals, 1.0).bids, rtol=1e-9)

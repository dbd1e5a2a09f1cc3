"""Seed 001: deal optimization is budget balanced, individually rational, never lowers welfare."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.share_auction import (PAYMENT_RULES, LogValuation, deal_optimization, random_market,
                                      reports, settle_round, simulate_market, utilities)

scenarios = st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.5, 10), min_size=n, max_size=n),
    st.lists(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n), min_size=1, max_size=12),
    st.sampled_from(PAYMENT_RULES), st.sampled_from([np.inf, 5.0, 0.5]), st.sampled_from([0.0, 0.05, 0.3])))


@settings(max_examples=150, deadline=None)
@given(scenarios)
def test_deal_optimization_is_budget_balanced_individually_rational_and_welfare_monotone(case):
    a, bids, rule, kappa, shade = case
    vals = [LogValuation(ai, 10.0) for ai in a]
    bids = np.array(bids)
    res = deal_optimization(vals, 1.0, bids, rule=rule, kappa=kappa, relative_shade=shade)
    U = np.array([utilities(vals, s, 1.0) for s in bids])
    np.testing.assert_allclose(res.round_utilities, U, rtol=1e-12)
    np.testing.assert_allclose(res.kept_utilities[0], U[0], rtol=1e-15)  # T_max = 0: round 0
    tol = 1e-10 * (1 + np.abs(U).max())
    np.testing.assert_allclose(res.payments.sum(axis=1), 0.0, atol=tol)  # Σ p = 0
    assert np.all(np.diff(res.kept_utilities, axis=0) >= -tol)  # IR, every agent, every round
    assert np.all(np.diff(res.welfare) >= -tol)  # Theorem 4
    for t in range(1, bids.shape[0]):
        if res.accepted[t]:
            np.testing.assert_allclose(res.kept_utilities[t], U[t] + res.payments[t], atol=tol)
            assert res.kept_round[t] == t
        else:  # a failed round changes nothing
            np.testing.assert_array_equal(res.kept_utilities[t], res.kept_utilities[t - 1])
            assert res.kept_round[t] == res.kept_round[t - 1]
            assert np.all(res.payments[t] == 0)
        if kappa == np.inf and shade == 0.0:  # truthful: success iff Σ U(s^t) >= Σ U^kept
            gain = U[t].sum() - res.kept_utilities[t - 1].sum()
            if abs(gain) > tol:
                assert res.accepted[t] == (gain > 0)
        # the welfare after a shorter deadline is the prefix of a longer run
    short = deal_optimization(vals, 1.0, bids[: max(1, bids.shape[0] // 2)], rule=rule, kappa=kappa,
                              relative_shade=shade)
    np.testing.assert_array_equal(short.welfare, res.welfare[: short.welfare.size])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=8), st.sampled_from(PAYMENT_RULES))
def test_settle_round_payments(delta, rule):
    d = np.array(delta)
    ok, p = settle_round(d, rule)
    q_plus, q_minus = d[d > 0].sum(), -d[d < 0].sum()
    assert ok == (q_plus >= q_minus)
    if not ok:
        assert np.all(p == 0)
        return
    assert p.sum() == pytest.approx(0.0, abs=1e-12 * (1 + np.abs(d).sum()))
    assert np.all(p >= -d - 1e-12 * (1 + np.abs(d)))  # everyone gets at least what it asked / pays at most its offer
    if rule == "pro_rata":
        np.testing.assert_allclose(p[d < 0], -d[d < 0])


def test_reports_shade_toward_requests():
    G = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(reports(G), G)
    np.testing.assert_allclose(reports(G, kappa=2.0), G - 0.5)
    np.testing.assert_allclose(reports(G, relative_shade=0.1), [-2.2, 0.0, 2.7])
    with pytest.raises(ValueError, match="kappa"):
        reports(G, kappa=0.0)
    with pytest.raises(ValueError, match="relative_shade"):
        reports(G, relative_shade=1.0)


def test_simulated_market_never_ends_below_round_zero_and_learning_approaches_equilibrium():
    scenario = random_market("moderate", np.random.default_rng(4))
    sim = simulate_market(scenario, 30, n_nodes=32)
    assert sim.with_deal_optimization(30) >= sim.without_deal_optimization
    assert sim.deals.welfare[-1] <= sim.optimum.welfare  # bids are costs: Σ U <= max Σ V
    last = sim.bidding.bids[-1]
    assert np.max(np.abs(last - sim.equilibrium.bids)) / sim.equilibrium.bids.max() < 0.05
    with pytest.raises(ValueError, match="bids_by_round"):
        deal_optimization(scenario.valuations, 1.0, np.ones((3, scenario.n_agents + 1)))
    with pytest.raises(ValueError, match="density"):
        random_market("crowded", 0)

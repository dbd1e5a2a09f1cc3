"""Bayesian implementation (thesis ch. 5 §4, §7; App. 9.3; notes §3, §6.3-6.5)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from mechanisms.fair_allocation import (AllocationProblem, SaturatingQuadraticValuation, H_of_epsilon,
                                        agv_taxes, allocation_by_count, bayesian_epsilon_max,
                                        bsic_cycle_weights, bsic_rhs, bsic_taxes, check_bsic, condition_b,
                                        dsic_cells_by_count, expected_welfare_gains, gini,
                                        smart_grid_bayes_terms, smart_grid_canonical_taxes,
                                        smart_grid_problem, smart_grid_tax_lp)

SG = smart_grid_problem()
THREE = AllocationProblem(SaturatingQuadraticValuation(1.0), [(1.0, 2.0, 3.0)] * 3, capacity=1.0)
UNIFORM3 = [np.ones(3) / 3] * 3


@pytest.mark.parametrize("eps, H, A", [(0.0, 2.37088, 13.66283), (0.005, 4.91460, 9.92975),
                                       (0.025, 0.03264, 4.41188), (0.03, -0.18405, 3.80559),
                                       (0.1, -0.27975, 0.87127), (0.2, 0.0, 0.0)])
def test_fig17_reference_values(eps, H, A):
    t = smart_grid_bayes_terms(SG, eps, 0.1)
    assert t.H == pytest.approx(H, abs=1e-4) and t.A == pytest.approx(A, abs=1e-4)


def test_fig17_first_root_of_H_and_A_zero():
    from mechanisms._levels import first_crossing
    root = first_crossing(lambda e: smart_grid_bayes_terms(SG, e, 0.1).H <= 0, np.linspace(0, 0.2, 41),
                          xtol=1e-10)
    assert 0.025 < root < 0.026 and root == pytest.approx(0.025599, abs=1e-4)
    # A > 0 up to ε* = 0.199887, and 0 beyond (constant allocation)
    assert smart_grid_bayes_terms(SG, 0.1998, 0.1).A > 0
    assert smart_grid_bayes_terms(SG, 0.19989, 0.1).A == pytest.approx(0.0, abs=1e-12)
    grid = np.linspace(0, 0.1998, 60)
    A = [smart_grid_bayes_terms(SG, e, 0.1).A for e in grid]
    assert min(A) > 0 and np.all(np.diff(A) < 0)         # strictly decreasing on [0, 0.1998]


def test_A_is_prior_average_of_dsic_cells():
    q = stats.binom.pmf(np.arange(100), 99, 0.1)
    for eps in (0.0, 0.02, 0.1):
        assert smart_grid_bayes_terms(SG, eps, 0.1).A == pytest.approx(
            float(np.dot(q, dsic_cells_by_count(SG, eps).phi)), abs=1e-9)


@pytest.mark.parametrize("eps", [0.0, 0.01, 0.05])
def test_count_form_equals_profile_form_on_small_smart_grid(eps):
    p = smart_grid_problem(4)
    priors = [np.array([0.1, 0.9])] * 4
    t = smart_grid_bayes_terms(p, eps, 0.1)
    g = expected_welfare_gains(p, priors, eps)
    b = bsic_rhs(p, priors, eps)
    assert g[(2, 0, 1)] == pytest.approx(t.h_high_to_low, abs=1e-9)
    assert g[(2, 1, 0)] == pytest.approx(t.h_low_to_high, abs=1e-9)
    assert b[(2, 0, 1)] == pytest.approx(t.U_H, abs=1e-9) and b[(2, 1, 0)] == pytest.approx(t.U_L, abs=1e-9)
    assert H_of_epsilon(p, priors, eps) == pytest.approx(t.H, abs=1e-9)


@pytest.mark.parametrize("eps, rule1, rule2", [(0.0, 168.0360, 248.9272), (0.025, 62.5491, 115.2160),
                                               (0.2, 30.0, 49.75)])
def test_fig19_lp_optimal_values(eps, rule1, rule2):
    assert smart_grid_tax_lp(SG, eps, rule="min_total")["optimum"] == pytest.approx(rule1, abs=1e-3)
    assert smart_grid_tax_lp(SG, eps, rule="max_total")["optimum"] == pytest.approx(rule2, abs=1e-3)
    assert smart_grid_tax_lp(SG, eps, rule="max_total", ir="ex_post")["optimum"] == pytest.approx(rule2, abs=1e-3)


def _count_bsic_gains(eps, tau_h, tau_l, p_high=0.1):
    """Brute force over the two misreports with others truthful, taxes depending on own report."""
    xh, xl = allocation_by_count(SG, eps)
    k = np.arange(100)
    q = stats.binom.pmf(k, 99, p_high)
    v = SG.valuation.value
    gain_h = np.dot(q, v(xl[k], 15.0) - tau_l) - np.dot(q, v(xh[k + 1], 15.0) - tau_h)
    gain_l = np.dot(q, v(xh[k + 1], 5.0) - tau_h) - np.dot(q, v(xl[k], 5.0) - tau_l)
    return gain_h, gain_l


@pytest.mark.parametrize("eps", [0.0, 0.01, 0.025, 0.1, 0.19, 0.2])
@pytest.mark.parametrize("rule", ["min_total", "max_total", "midpoint"])
def test_canonical_taxes_are_bsic(eps, rule):
    th, tl, terms = smart_grid_canonical_taxes(SG, eps, rule=rule)
    assert max(_count_bsic_gains(eps, th, tl)) <= 1e-9
    assert min(th, tl) >= -1e-9                          # non-negative taxes
    if rule == "midpoint" and terms.A > 0:
        assert max(_count_bsic_gains(eps, th, tl)) == pytest.approx(-terms.A / 2, abs=1e-9)


def test_canonical_tax_spread_nonincreasing_and_reference():
    grid = np.linspace(0, 0.2, 41)
    spread = [abs(np.subtract(*smart_grid_canonical_taxes(SG, e)[:2])) for e in grid]
    assert np.all(np.diff(spread) <= 1e-12) and spread[-1] == pytest.approx(0.0, abs=1e-12)
    sig10 = np.sqrt(10 * 90 / (100 * 99)) * spread[0]
    assert sig10 == pytest.approx(1.8859, abs=1e-4)


def test_fig18_gini_values_and_monotone():
    def g(eps):
        xh, xl = allocation_by_count(SG, eps)
        u = SG.valuation.value(np.r_[np.full(10, xh[10]), np.full(90, xl[10])], np.r_[np.full(10, 15.0), np.full(90, 5.0)])
        return 100 * gini(u), float(np.std(u, ddof=1))
    assert g(0.0)[0] == pytest.approx(72.84, abs=0.01)
    assert g(0.025)[0] == pytest.approx(54.63, abs=0.01)
    assert g(0.2)[0] == pytest.approx(15.06, abs=0.01)
    vals = [g(e) for e in np.linspace(0, 0.2, 41)]
    assert np.all(np.diff([v[0] for v in vals]) <= 1e-9) and np.all(np.diff([v[1] for v in vals]) <= 1e-9)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.2, 0.25, 0.27, 0.3])
def test_three_type_instance_lp_cycle_and_condition_a2(eps):
    """Notes §7 item 20: H ≥ 0 ⇒ feasible; feasible ⇔ no negative cycle (independent priors)."""
    H = H_of_epsilon(THREE, UNIFORM3, eps)
    cycles = bsic_cycle_weights(THREE, UNIFORM3, eps)
    res = bsic_taxes(THREE, UNIFORM3, eps, sbb=True, objective="max_slack", slack_cap=None)
    no_sbb = bsic_taxes(THREE, UNIFORM3, eps, sbb=False, objective="min_norm")
    if H >= 0:
        assert res.success
    assert res.success == bool(cycles.min() >= -1e-12) == no_sbb.success
    if res.success:
        rep = check_bsic(THREE, UNIFORM3, eps, res, tol=1e-9)
        assert rep.holds and rep.budget_imbalance <= 1e-9
        assert -rep.max_gain == pytest.approx(res.slack, abs=1e-7)
        assert check_bsic(THREE, UNIFORM3, eps, no_sbb, tol=1e-9).holds
    else:
        assert res.taxes is None and "infeasible" in res.message


def test_bsic_checker_detects_violation_and_sbb_variants():
    p = smart_grid_problem(3)
    pri = [np.array([0.3, 0.7])] * 3
    res = bsic_taxes(p, pri, 0.01, objective="min_norm")
    assert check_bsic(p, pri, 0.01, res).holds and check_bsic(p, pri, 0.01, res).budget_imbalance < 1e-9
    zero = np.zeros((2, 2, 2, 3))
    assert not check_bsic(p, pri, 0.01, zero).holds       # without taxes high... someone lies


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10 ** 6))
def test_agv_taxes_are_budget_balanced(n, seed):
    z = np.random.default_rng(seed).normal(size=(5, n)) * 10
    assert np.allclose(agv_taxes(z).sum(axis=-1), 0.0, atol=1e-9)


def test_condition_b_holds_for_independent_priors():
    rng = np.random.default_rng(3)
    p = smart_grid_problem(3)
    for _ in range(3):
        pri = [rng.dirichlet(np.ones(2)) for _ in range(3)]
        holds, worst = condition_b(p, pri)
        assert holds and worst <= 1e-9
    holds, _ = condition_b(THREE, [rng.dirichlet(np.ones(3)) for _ in range(3)])
    assert holds


def test_bayesian_epsilon_max_profile_form_and_validation():
    e = bayesian_epsilon_max(THREE, UNIFORM3, np.linspace(0, 0.3, 7), xtol=1e-6)
    assert 0.25 < e < 0.27
    assert H_of_epsilon(THREE, UNIFORM3, e - 1e-4) > 0 > H_of_epsilon(THREE, UNIFORM3, e + 1e-4)
    with pytest.raises(ValueError, match="priors"):
        bsic_taxes(THREE, [np.array([1.0, 0.0, 0.0])] * 3, 0.1)
    with pytest.raises(ValueError, match="objective"):
        bsic_taxes(THREE, UNIFORM3, 0.1, objective="max_revenue")
    with pytest.raises(ValueError, match="p_high"):
        smart_grid_bayes_terms(SG, 0.1, 1.0)
    with pytest.raises(ValueError, match="epsilon"):
        smart_grid_bayes_terms(SG, -1.0)

"""Dominant-strategy implementation (thesis ch. 5 §3, §6; App. 9.1-9.2; notes §2, §5)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mechanisms.fair_allocation import (AllocationProblem, SaturatingQuadraticValuation, allocation_by_count,
                                        check_dsic, check_dsic_by_count, condition_a1_gaps, dsic_cells,
                                        dsic_cells_by_count, dsic_epsilon_max, dsic_taxes,
                                        dsic_taxes_by_count, linear_capacity_closed_form,
                                        linear_capacity_dsic_bound, linear_capacity_problem,
                                        smart_grid_problem, thesis_eq_5_20, two_valued_gini, vcg_taxes)

N50 = linear_capacity_problem(50, 1.0, 0.75)


def test_exact_dsic_threshold_is_n_over_2_sum_not_thesis_5_20():
    exact = linear_capacity_dsic_bound(50, 1.0, 0.75)
    assert exact == pytest.approx(50 / (2 * 1.75), rel=1e-15) == pytest.approx(14.2857142857)
    numeric = dsic_epsilon_max(N50, np.arange(0.0, 20.5, 0.5), by_count=True)
    assert numeric == pytest.approx(exact, abs=1e-6)
    # the thesis's (5.20b) is off by one: it is larger, and Φ < 0 in between
    printed = thesis_eq_5_20(50, 1.0, 0.75)
    assert printed == pytest.approx(14.5747, abs=1e-4)
    for eps in (14.29, 14.5, printed, 15.0):
        assert dsic_cells_by_count(N50, eps).phi_min < 0
    assert dsic_cells_by_count(N50, 14.5).phi_min == pytest.approx(-5.5e-5, abs=1e-6)
    for eps in (0.5, 5.0, 14.0, exact - 1e-9):
        assert dsic_cells_by_count(N50, eps).phi_min >= -1e-12
    # the bound does not depend on N, θ beyond the formula: a different instance
    other = linear_capacity_problem(7, 2.0, 1.5)
    assert dsic_epsilon_max(other, np.arange(0.0, 5.0, 0.25), by_count=True) == pytest.approx(
        linear_capacity_dsic_bound(7, 2.0, 1.5), abs=1e-6)


def test_cell_quantity_formula_of_section_6():
    eps, th, tl = 9.0, 1.0, 0.75
    cells = dsic_cells_by_count(N50, eps)
    for k in (0, 10, 30, 49):
        xh1, _ = linear_capacity_closed_form(50, k + 1, th, tl, eps)
        _, xl0 = linear_capacity_closed_form(50, k, th, tl, eps)
        assert cells.phi[k] == pytest.approx((th - tl) * (xh1 - xl0), abs=1e-10)


@pytest.mark.parametrize("rule", ["revenue_max", "min_norm"])
@pytest.mark.parametrize("eps", [1e-4, 0.5, 1.0, 1.5, 6 / 3.5 - 1e-9])
def test_dsic_taxes_pass_brute_force_n6(eps, rule):
    p = linear_capacity_problem(6, 1.0, 0.75)
    taxes = dsic_taxes(p, eps, rule=rule)
    assert taxes.success
    report = check_dsic(p, eps, taxes, tol=1e-9)
    assert report.dsic and report.ir and report.checked == 6 * 64


def test_dsic_taxes_infeasible_beyond_threshold_and_formula_of_revenue_rule():
    p = linear_capacity_problem(6, 1.0, 0.75)
    res = dsic_taxes(p, 6 / 3.5 + 0.05)
    assert not res.success and res.taxes is None and "infeasible" in res.message
    assert not dsic_taxes_by_count(N50, 14.3).success
    t = dsic_taxes_by_count(N50, 10.0)
    xh, xl = allocation_by_count(N50, 10.0)
    k = np.arange(50)
    assert np.allclose(t.taxes[1, :-1], 0.75 * xl[k], atol=1e-12)
    assert np.allclose(t.taxes[0, 1:], 1.0 * xh[k + 1] - 0.25 * xl[k], atol=1e-12)


@pytest.mark.parametrize("eps", [0.5, 3.0, 10.0, 14.0, 14.2857])
def test_dsic_taxes_count_form_n50(eps):
    for rule in ("revenue_max", "min_norm"):
        t = dsic_taxes_by_count(N50, eps, rule=rule)
        rep = check_dsic_by_count(N50, eps, t, tol=1e-9)
        assert t.success and rep.dsic and rep.ir


def test_count_form_checker_catches_a_bad_tax():
    t = np.array(dsic_taxes_by_count(N50, 5.0).taxes)
    t[1, 20] += 1e-3                              # raise one low tax: high... and low IR breaks
    rep = check_dsic_by_count(N50, 5.0, t)
    assert not rep.ir
    t = np.array(dsic_taxes_by_count(N50, 5.0).taxes)
    t[0, 21] += 1e-3                              # high tax up: high misreports
    assert not check_dsic_by_count(N50, 5.0, t).dsic


def test_profile_and_count_cells_agree():
    p = linear_capacity_problem(5, 1.0, 0.75)
    prof = dsic_cells(p, 0.9)
    count = dsic_cells_by_count(p, 0.9)
    for idx in np.ndindex(prof.phi.shape):
        k = sum(1 for s in idx[1:] if s == 0)
        assert prof.phi[idx] == pytest.approx(count.phi[k], abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 0.4), st.lists(st.floats(0.5, 3.0), min_size=6, max_size=6),
       st.floats(0.0, 0.5))
def test_identity_5_25_and_k_nonnegative(eps, types, cost):
    sets = [tuple(sorted(types[2 * i:2 * i + 2], reverse=True)) for i in range(3)]
    if any(abs(a - b) < 1e-3 for a, b in sets):
        return
    p = AllocationProblem(SaturatingQuadraticValuation(1.0), sets, capacity=1.5, cost=cost)
    k_hl, k_lh, rhs = condition_a1_gaps(p, eps)
    assert np.allclose(rhs, dsic_cells(p, eps).phi, atol=1e-9)
    assert k_hl.min() >= -1e-9 and k_lh.min() >= -1e-9


def test_smart_grid_dsic_cells_nonnegative_and_vcg_dsic():
    p = smart_grid_problem()
    for eps in (0.0, 0.05, 0.2, 0.3):
        assert dsic_cells_by_count(p, eps).phi_min >= -1e-12
    small = smart_grid_problem(4)
    table = np.empty((2,) * 4 + (4,))
    for prof in small.profiles():
        table[prof] = vcg_taxes(small, prof)
    rep = check_dsic(small, 0.0, table, tol=1e-9)
    assert rep.dsic
    assert not rep.ir                        # VCG violates IR for low types here (t_L > v_L)


@pytest.mark.parametrize("m", [9, 24, 39])
def test_fig16_gini_nonincreasing_and_reference_values(m):
    grid = np.linspace(0, 14.2857, 300)
    g = [two_valued_gini(m, 50, xh, 0.75 * xl) for xh, xl in
         (linear_capacity_closed_form(50, m, 1.0, 0.75, e) for e in grid)]
    assert np.all(np.diff(g) <= 1e-12)
    ref = {9: (0.8200, 0.4964, 0.0481), 24: (0.5200, 0.5200, 0.0745), 39: (0.2200, 0.2200, 0.0473)}[m]
    for e, r in zip((0.0, 2.0, 14.0), ref):
        xh, xl = linear_capacity_closed_form(50, m, 1.0, 0.75, e)
        assert two_valued_gini(m, 50, xh, 0.75 * xl) == pytest.approx(r, abs=1e-4)


def test_dsic_input_validation():
    with pytest.raises(ValueError, match="rule"):
        dsic_taxes(linear_capacity_problem(3), 0.1, rule="max")
    with pytest.raises(ValueError, match="problem"):
        dsic_cells(AllocationProblem(SaturatingQuadraticValuation(), [(1, 2, 3)] * 2, capacity=1), 0.1)
    with pytest.raises(ValueError, match="taxes"):
        check_dsic(linear_capacity_problem(3), 0.1, np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="grid"):
        dsic_epsilon_max(N50, [1.0, 0.5], by_count=True)

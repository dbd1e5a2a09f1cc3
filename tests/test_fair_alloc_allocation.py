"""Fair allocation rule (5.4)/(5.3) and disparity measures (thesis ch. 5; notes §1, §5.2, §6.2)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mechanisms.fair_allocation import (AllocationProblem, LinearValuation, SaturatingQuadraticValuation,
                                        Valuation, allocation_by_count, fair_allocation, gini,
                                        linear_capacity_closed_form, linear_capacity_problem,
                                        smart_grid_problem, std, two_valued_gini)


class _Quadratic(Valuation):
    """A user-defined valuation (no compiled kernel): θx - x²/2, solved by SLSQP."""

    def value(self, x, theta):
        x = np.asarray(x, dtype=float)
        return theta * x - 0.5 * x * x

    def marginal(self, x, theta):
        return theta - np.asarray(x, dtype=float)

    def curvature(self):
        return 1.0


@pytest.mark.parametrize("m, eps, expected", [(9, 2.0, (0.0678426, 0.0094980)),
                                              (39, 14.0, (0.0200596, 0.0197886)), (24, 8.0, None)])
def test_linear_closed_form_5_19_matches_bisection_and_slsqp(m, eps, expected):
    n = 50
    closed = linear_capacity_closed_form(n, m, 1.0, 0.75, eps)
    xh, xl = allocation_by_count(linear_capacity_problem(n), eps)
    assert np.allclose((xh[m], xl[m]), closed, atol=1e-10)
    if expected is not None:
        assert np.allclose(closed, expected, atol=1e-7)
    small = AllocationProblem(LinearValuation(), [(1.0, 0.75)] * 6, capacity=1.0)
    prof = (0, 0, 1, 1, 1, 1)
    assert np.allclose(fair_allocation(small, prof, 0.7, method="slsqp"),
                       fair_allocation(small, prof, 0.7), atol=1e-6)


@pytest.mark.parametrize("m", [9, 24, 39])
def test_corner_regime_gives_everything_to_high_types(m):
    n, th, tl = 50, 1.0, 0.75
    eps = 0.999 * m * (th - tl) / (2 * th * th)
    xh, xl = allocation_by_count(linear_capacity_problem(n, th, tl), eps)
    assert xh[m] == pytest.approx(1 / m, abs=1e-9) and xl[m] == pytest.approx(0.0, abs=1e-9)
    assert m * xh[m] + (n - m) * xl[m] == pytest.approx(1.0, abs=1e-12)
    xh2, xl2 = allocation_by_count(linear_capacity_problem(n, th, tl), 1.01 * m * (th - tl) / (2 * th * th))
    assert xl2[m] > 0                          # leaves the corner just beyond the threshold


def test_smart_grid_sou_allocation_values():
    p = smart_grid_problem()
    xh, xl = allocation_by_count(p, 0.0)
    assert xh[10] == pytest.approx(1.476923, abs=1e-6)
    assert xh[10] == pytest.approx((15 - 2 * 0.3 * 90 * 0.1) / (0.5 + 2 * 0.3 * 10), rel=1e-12)
    assert 10 * xh[10] + 90 * xl[10] == pytest.approx(23.769231, abs=1e-6)
    assert p.valuation.value(xh[10], 15.0) == pytest.approx(21.608521, abs=1e-6)
    assert p.valuation.value(xl[10], 5.0) == pytest.approx(0.4975, abs=1e-12)


@pytest.mark.parametrize("eps", [0.0, 0.01, 0.1, 0.19, 0.1998, 0.1999, 0.25])
def test_smart_grid_low_types_at_must_run_and_constant_beyond_eps_star(eps):
    p = smart_grid_problem()
    xh, xl = allocation_by_count(p, eps)
    assert np.allclose(xl[:-1], 0.1, atol=1e-12)
    eps_star = (1 - 2 * 0.3 * 100 * 0.1 / (15 - 0.05)) / (2 * p.valuation.value(0.1, 15.0))
    assert eps_star == pytest.approx(0.199887, abs=1e-6)
    if eps >= eps_star:
        assert np.allclose(xh[1:], 0.1, atol=1e-12)
    else:
        assert xh[1] > 0.1 + 1e-9


def test_smart_grid_count_form_matches_profile_form_and_slsqp():
    p = smart_grid_problem(5)
    xh, xl = allocation_by_count(p, 0.02)
    x = fair_allocation(p, (0, 1, 0, 1, 1), 0.02)
    assert np.allclose(x, [xh[2], xl[2], xh[2], xl[2], xl[2]], atol=1e-10)
    custom = AllocationProblem(_Quadratic(), [(15.0, 5.0)] * 5, lower=0.1, cost=0.3)
    quad = AllocationProblem(SaturatingQuadraticValuation(1.0), [(15.0, 5.0)] * 5, lower=0.1, cost=0.3)
    assert np.allclose(fair_allocation(custom, (0, 1, 0, 1, 1), 0.02),
                       fair_allocation(quad, (0, 1, 0, 1, 1), 0.02), atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=4, max_size=4), st.floats(0.0, 0.5),
       st.permutations(range(4)))
def test_allocation_is_permutation_equivariant_and_optimal(profile, eps, perm):
    p = AllocationProblem(SaturatingQuadraticValuation(1.0), [(1.0, 2.0, 3.0)] * 4, capacity=1.0)
    x = fair_allocation(p, profile, eps)
    xp = fair_allocation(p, [profile[k] for k in perm], eps)
    assert np.allclose(xp, x[list(perm)], atol=1e-9)
    assert x.sum() <= 1.0 + 1e-12 and np.all(x >= 0)
    th = p.types_of(profile)
    rng = np.random.default_rng(len(profile))
    for _ in range(20):                        # no feasible point does better
        y = rng.dirichlet(np.ones(4)) * rng.uniform(0.5, 1.0)
        assert p.objective(y, th, eps) <= p.objective(x, th, eps) + 1e-9


def test_gini_conventions():
    u = np.concatenate([np.full(10, 21.608520710059224), np.full(90, 0.4975)])
    assert gini(u) == pytest.approx(0.728356, abs=1e-6)
    assert gini(u, "unbiased") == pytest.approx(gini(u) * 100 / 99, rel=1e-12)
    assert gini(u, "unbiased") == pytest.approx(0.735713, abs=1e-6)          # Table 2: 74 %
    assert gini(u) == pytest.approx(two_valued_gini(10, 100, u[0], u[-1]), rel=1e-12)
    assert gini(np.full(7, 3.0)) == 0.0
    assert gini([0, 0, 0, 5]) == pytest.approx(3 / 4)
    assert std(u) == pytest.approx(6.3652, abs=1e-4) and std(u, ddof=0) == pytest.approx(6.3333, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 100.0), min_size=2, max_size=30).filter(lambda v: sum(v) > 1e-3))
def test_gini_matches_pairwise_definition(values):
    u = np.array(values)
    pair = np.abs(u[:, None] - u[None, :]).sum()
    assert gini(u) == pytest.approx(pair / (2 * len(u) ** 2 * u.mean()), rel=1e-9, abs=1e-12)


def test_invalid_inputs_name_the_argument():
    p = smart_grid_problem(3)
    with pytest.raises(ValueError, match="epsilon"):
        fair_allocation(p, (0, 0, 1), -0.1)
    with pytest.raises(ValueError, match="profile"):
        fair_allocation(p, (0, 0, 2), 0.1)
    with pytest.raises(ValueError, match="method"):
        fair_allocation(p, (0, 0, 1), 0.1, method="newton")
    with pytest.raises(ValueError, match="capacity"):
        AllocationProblem(LinearValuation(), [(1, 2)] * 3, lower=0.5, capacity=1.0)
    with pytest.raises(ValueError, match="type_sets"):
        AllocationProblem(LinearValuation(), [(1, 1)] * 3, capacity=1.0)
    with pytest.raises(TypeError, match="valuation"):
        AllocationProblem(lambda x, t: t * x, [(1, 2)] * 3, capacity=1.0)
    with pytest.raises(ValueError, match="normalization"):
        gini([1, 2], "sample")
    with pytest.raises(ValueError, match="curvature"):
        SaturatingQuadraticValuation(0.0)

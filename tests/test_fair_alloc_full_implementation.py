"""Full Bayesian implementation by the augmentation (5.16) (thesis ch. 5 §5; notes §4, §7 items 22-23)."""
import numpy as np
import pytest
from scipy import stats

from mechanisms.fair_allocation import (AugmentedMechanism, allocation_by_count, augmentation_constants,
                                        bsic_taxes, check_bsic, direct_mechanism_equilibria,
                                        pure_bayesian_equilibria, pure_direct_equilibria,
                                        smart_grid_canonical_taxes, smart_grid_problem)

P3 = smart_grid_problem(3)
PRI = [np.array([0.3, 0.7])] * 3
EPS = 0.01
TRUTH = ((0, 1), (0, 1), (0, 1))


@pytest.fixture(scope="module")
def setup():
    taxes = bsic_taxes(P3, PRI, EPS, sbb=True, objective="max_slack", slack_cap=None)
    const = augmentation_constants(P3, EPS, PRI, taxes)
    mech = AugmentedMechanism.build(P3, EPS, taxes, delta=const.delta, penalty=const.penalty)
    return taxes, const, mech


def test_base_taxes_strict_bsic_and_budget_balanced(setup):
    taxes, const, _ = setup
    rep = check_bsic(P3, PRI, EPS, taxes)
    assert rep.holds and -rep.max_gain > 0 and rep.budget_imbalance <= 1e-9
    assert np.allclose(np.asarray(taxes.taxes).sum(axis=-1), 0.0, atol=1e-9)
    assert const.sign_condition and const.strictly_concave
    assert const.Lambda == 10.0 and const.psi_min == pytest.approx(10.0) and const.kappa == 0.5
    assert const.delta < min(const.gamma / const.Lambda, const.psi_min / const.kappa)


def test_augmented_game_has_truth_as_only_pure_bne(setup):
    _, _, mech = setup
    eq = pure_bayesian_equilibria(mech, PRI, tol=1e-9)
    assert eq.n_profiles == 4 ** 3
    assert eq.truthful_only
    sigma, rho = eq.equilibria[0]
    assert sigma == TRUTH and np.allclose(rho, 0.0, atol=1e-9)


def test_unaugmented_game_has_a_bad_equilibrium_and_spbe_agrees(setup):
    taxes, _, _ = setup
    direct = pure_direct_equilibria(P3, EPS, PRI, taxes)
    sigmas = [e[0] for e in direct.equilibria]
    assert TRUTH in sigmas and len(direct.non_truthful) >= 1
    # cross-check with spbe's enumeration of all equilibria (support enumeration)
    res = direct_mechanism_equilibria(P3, EPS, PRI, taxes)
    assert res.complete
    pure = []
    for sol in res.solutions:
        strat = [np.asarray(s) for s in sol.strategy]
        if all(np.all((s < 1e-9) | (s > 1 - 1e-9)) for s in strat):
            pure.append(tuple(tuple(int(np.argmax(row)) for row in s) for s in strat))
    assert sorted(pure) == sorted(sigmas)


def test_small_penalty_breaks_the_augmentation(setup):
    """B must be large (5.16c): with B ≈ 0 the endpoints ±δ become best replies."""
    taxes, const, _ = setup
    cheap = AugmentedMechanism.build(P3, EPS, taxes, delta=const.delta, penalty=0.009)
    eq = pure_bayesian_equilibria(cheap, PRI)
    assert not eq.truthful_only           # with B ≈ 0 the endpoints ±δ become best replies


def test_outcome_and_validation(setup):
    taxes, const, mech = setup
    x, t = mech.outcome((0, 1, 1), [0.0, 0.0, 0.0])
    assert np.allclose(t, np.asarray(taxes.taxes)[0, 1, 1])
    _, t_end = mech.outcome((0, 1, 1), [const.delta, 0.0, 0.0])
    assert t_end[0] == const.penalty
    with pytest.raises(ValueError, match="y"):
        mech.outcome((0, 1, 1), [2 * const.delta, 0, 0])
    with pytest.raises(ValueError, match="delta"):
        AugmentedMechanism.build(P3, EPS, taxes, delta=-1.0, penalty=1.0)
    with pytest.raises(ValueError, match="taxes"):
        augmentation_constants(P3, EPS, PRI, np.zeros((2, 2, 2, 3)))


def test_smart_grid_n100_augmentation_properties():
    """Notes §7 item 22 at ε = 0.025 with the midpoint taxes (γ = A/2), count form."""
    sg, eps, p = smart_grid_problem(), 0.025, 0.1
    tau_h, tau_l, terms = smart_grid_canonical_taxes(sg, eps, p, rule="midpoint")
    gamma = terms.A / 2
    assert gamma == pytest.approx(2.206, abs=1e-3)
    delta = 0.05
    assert delta < gamma / 10
    xh, xl = allocation_by_count(sg, eps)
    k = np.arange(100)
    q = stats.binom.pmf(k, 99, p)
    v, dv = sg.valuation.value, sg.valuation.marginal
    cells = {0: (xh[k + 1], tau_h, 15.0), 1: (xl[k], tau_l, 5.0)}      # report -> (x̂, τ, φ)

    def util(theta, report, y):
        x, tau, phi = cells[report]
        return float(np.dot(q, v(x + y, theta) - tau - y * dv(x, phi)))

    ys = np.linspace(-delta, delta, 403)[1:-1]
    for true, theta in ((0, 15.0), (1, 5.0)):
        u0 = util(theta, true, 0.0)
        best = max(util(theta, r, y) for r in (0, 1) for y in ys)
        assert u0 >= best - 1e-9                                       # (a)
        assert all(util(theta, true, y) < u0 for y in ys if abs(y) > 1e-6)   # (b)
        lie = 1 - true
        x, _, phi = cells[lie]
        d = [float(np.dot(q, dv(x + r, theta) - dv(x, phi))) for r in (-delta, delta)]
        assert d[0] * d[1] > 0 and min(abs(d[0]), abs(d[1])) > 9      # (c): θ - φ - ρ/2 ≠ 0
    for m in range(1, 100):                                            # (d) sign condition
        assert dv(xh[m], 5.0) - dv(xh[m], 15.0) < 0 and dv(xl[m], 15.0) - dv(xl[m], 5.0) > 0

"""Seed 001: allocation rule, best responses, the complete-information equilibrium, the optimum."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from mechanisms.share_auction import (LogValuation, PowerValuation, best_response, demand,
                                      nash_equilibrium, proportional_share, social_optimum,
                                      unit_price, utilities)


def test_proportional_share_rule():
    x = proportional_share([1.0, 2.0, 5.0], 4.0)
    np.testing.assert_allclose(x, [0.5, 1.0, 2.5])
    assert x.sum() == pytest.approx(4.0)
    assert proportional_share([0.0, 0.0], 3.0).tolist() == [0.0, 0.0]
    assert unit_price([1.0, 2.0, 5.0], 4.0) == 2.0
    with pytest.raises(ValueError, match="bids"):
        proportional_share([1.0, -1.0], 1.0)
    with pytest.raises(ValueError, match="capacity"):
        proportional_share([1.0], 0.0)


def test_notes_equilibrium_fixture():
    vals = [LogValuation(a, 1.0) for a in (1, 2, 3)]
    ne = nash_equilibrium(vals, 1.0)
    assert ne.success
    assert ne.theta == pytest.approx(0.8793852415, abs=1e-10)
    np.testing.assert_allclose(ne.allocation, [0.0641778, 0.3891854, 0.5466368], atol=5e-8)
    a = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ne.allocation, (a - ne.theta) / (a + ne.theta), rtol=1e-13)
    np.testing.assert_allclose(ne.bids, ne.theta * ne.allocation, rtol=1e-15)
    opt = social_optimum(vals, 1.0)
    np.testing.assert_allclose(opt.allocation, [0.0, 0.2, 0.8], atol=1e-13)
    assert opt.multiplier == pytest.approx(5 / 3, rel=1e-13)
    assert ne.welfare < opt.welfare


def test_notes_best_response_fixture():
    assert best_response(LogValuation(2.0, 1.0), 1.0, 1.0) == pytest.approx((-3 + np.sqrt(17)) / 4, rel=1e-14)


def _valuations(draw_a, draw_b, kind):
    return [LogValuation(a, b) if kind == "log" else PowerValuation(a, min(b / 11, 0.95))
            for a, b in zip(draw_a, draw_b)]


instances = st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.1, 10), min_size=n, max_size=n), st.lists(st.floats(0.1, 10), min_size=n, max_size=n),
    st.sampled_from(["log", "power"]), st.floats(0.2, 5.0)))


@settings(max_examples=60, deadline=None)
@given(instances)
def test_equilibrium_satisfies_first_order_conditions_and_mutual_best_responses(inst):
    a, b, kind, C = inst
    vals = _valuations(a, b, kind)
    ne = nash_equilibrium(vals, C)
    assert ne.success, ne.message
    s, x, theta = ne.bids, ne.allocation, ne.theta
    assert x.sum() == pytest.approx(C, rel=1e-9)
    assert s.sum() / C == pytest.approx(theta, rel=1e-9)
    np.testing.assert_allclose(proportional_share(s, C), x, rtol=1e-9, atol=1e-12)
    for v, xi, si in zip(vals, x, s):
        if si > 0:  # V'(x)(1 - x/C) = θ
            assert float(v.derivative(xi)) * (1 - xi / C) == pytest.approx(theta, rel=1e-8)
        else:  # V'(0) <= θ
            assert v.marginal_at_zero <= theta * (1 + 1e-9)
    # no agent gains by a unilateral deviation (bounded scalar search, independent of the solver)
    U = utilities(vals, s, C)
    for i, v in enumerate(vals):
        y = s.sum() - s[i]
        res = minimize_scalar(lambda t: -(float(v.value(C * t / (t + y))) - t), bounds=(0, 2 * s.max() + 1),
                              method="bounded", options={"xatol": 1e-12})
        assert -res.fun <= U[i] + 1e-8 * (1 + abs(U[i]))
    assert ne.best_response_gap <= 1e-9


@settings(max_examples=60, deadline=None)
@given(instances)
def test_equilibrium_efficiency_is_at_least_three_quarters(inst):
    a, b, kind, C = inst
    vals = _valuations(a, b, kind)
    ne = nash_equilibrium(vals, C)
    opt = social_optimum(vals, C)
    assert opt.success
    assert ne.welfare >= 0.75 * opt.welfare - 1e-9
    assert ne.welfare <= opt.welfare + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 10), st.floats(0.1, 10), st.floats(0.2, 5), st.floats(0.0, 1.0),
       st.sampled_from(["log", "power"]))
def test_demand_solves_its_first_order_condition_and_is_non_increasing(a, b, C, frac, kind):
    v = _valuations([a], [b], kind)[0]
    top = v.marginal_at_zero if np.isfinite(v.marginal_at_zero) else 10 * a / C
    theta = frac * top
    d = demand(v, theta, C)
    assert 0 <= d <= C
    if theta == 0:
        assert d == C
    elif d > 0:
        assert float(v.derivative(d)) * (1 - d / C) == pytest.approx(theta, rel=1e-9)
    assert demand(v, 1.1 * theta + 1e-9, C) <= d + 1e-12


def test_best_response_is_zero_when_the_first_unit_is_not_worth_it():
    v = LogValuation(1.0, 1.0)  # V'(0) C / y = 0.5 <= 1
    assert best_response(v, 2.0, 1.0) == 0.0
    with pytest.raises(ValueError, match="others_sum"):
        best_response(v, 0.0, 1.0)
    with pytest.raises(ValueError, match="valuations: the equilibrium needs n >= 2"):
        nash_equilibrium([v], 1.0)
    with pytest.raises(ValueError, match="PowerValuation: p"):
        PowerValuation(1.0, 1.0)
    with pytest.raises(TypeError, match=r"valuations\[1\]"):
        nash_equilibrium([v, 3.0], 1.0)

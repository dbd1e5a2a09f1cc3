"""The ch. 5 BSIC check and the pure-BNE enumeration of the direct mechanism run on spbe's stage
kernel (the delta = 0 DynamicGame of the direct mechanism). Before the enumeration over type
profiles was removed, the two agreed on 82 BSIC instances (largest relative difference 9.1e-16)
and on the pure-BNE sets of 72; the values below were pinned from that enumeration."""
import numpy as np
import pytest

import spbe
from mechanisms.fair_allocation import (AllocationProblem, bsic_taxes, check_bsic, direct_mechanism_game,
                                        pure_direct_equilibria, smart_grid_problem)
from mechanisms.fair_allocation.allocation import SaturatingQuadraticValuation

P3 = smart_grid_problem(3)
PRI = [np.array([0.3, 0.7])] * 3
SG = smart_grid_problem(3, 15.0, 5.0, 0.3, 0.1)
PS = [np.array([0.1, 0.9])] * 3
THREE = AllocationProblem(SaturatingQuadraticValuation(1.0), [(1.0, 2.0, 3.0)] * 3, capacity=1.0)
U3 = [np.ones(3) / 3] * 3
TRUTH, LOW = ((0, 1),) * 3, ((0, 0),) * 3


def _random(shape, seed):
    return np.random.default_rng(seed).normal(0, 2, shape)


# (problem, priors, eps, taxes, max_gain, holds, pure BNE or None) from the old enumeration
CASES = {
    "p3-bsic": (P3, PRI, 0.01, "lp", -4.027096730647833, True, [LOW, TRUTH]),
    "p3-zero": (P3, PRI, 0.01, np.zeros((2, 2, 2, 3)), 3.1734465433633563, False, [LOW]),
    "sg-random": (SG, PS, 0.05, _random((2, 2, 2, 3), 1), 8.90852559742801, False, [((1, 1),) * 3]),
    "three-zero": (THREE, U3, 0.1, np.zeros((3, 3, 3, 3)), 0.34349062447723266, False, None),
    "three-random": (THREE, U3, 0.1, _random((3, 3, 3, 3), 2), 1.649416940002334, False, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pinned_values_of_the_enumeration(name):
    p, pri, eps, taxes, gain, holds, equilibria = CASES[name]
    if isinstance(taxes, str):
        taxes = bsic_taxes(p, pri, eps, sbb=True, objective="max_slack", slack_cap=None)
    rep = check_bsic(p, pri, eps, taxes)
    assert rep.max_gain == pytest.approx(gain, rel=1e-12, abs=1e-12) and rep.holds == holds
    assert rep.checked == sum(L * (L - 1) for L in p.n_types)
    if equilibria is not None:
        eq = pure_direct_equilibria(p, eps, pri, taxes)
        assert [s for s, _ in eq.equilibria] == equilibria and eq.n_profiles == 4 ** 3


def test_bsic_gain_is_the_spbe_interim_utility_difference():
    # independent of check_bsic's bookkeeping: the worst misreport's gain read off action_values
    taxes = _random((3, 3, 3, 3), 2)
    rep = check_bsic(THREE, U3, 0.1, taxes)
    U = spbe.action_values(direct_mechanism_game(THREE, 0.1, taxes), U3, [np.eye(3)] * 3)
    i, th, ph = rep.worst
    assert rep.max_gain == U[i][th, ph] - U[i][th, th]
    assert all(U[j][a, b] - U[j][a, a] <= rep.max_gain for j in range(3) for a in range(3) for b in range(3))


def test_correlated_priors_are_refused():
    joint = np.array([[[0.2, 0.05], [0.05, 0.2]], [[0.05, 0.2], [0.2, 0.05]]])
    with pytest.raises(ValueError, match="correlated"):
        check_bsic(P3, joint, 0.01, np.zeros((2, 2, 2, 3)))
    # a product array is accepted and equals its marginals
    prod = np.multiply.outer(np.multiply.outer(PRI[0], PRI[1]), PRI[2])
    taxes = _random((2, 2, 2, 3), 3)
    assert check_bsic(P3, prod, 0.01, taxes).max_gain == check_bsic(P3, PRI, 0.01, taxes).max_gain

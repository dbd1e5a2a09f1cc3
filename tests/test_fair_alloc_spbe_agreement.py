"""The ch. 5 BSIC check and the pure-BNE enumeration through spbe's stage kernel agree with the
enumeration over type profiles on smart-grid (N = 2, 3, 4) and three-type instances."""
import numpy as np

from mechanisms.fair_allocation import (AllocationProblem, bsic_taxes, check_bsic, pure_direct_equilibria,
                                        smart_grid_problem)
from mechanisms.fair_allocation.allocation import SaturatingQuadraticValuation
from mechanisms.fair_allocation.bayesian import check_bsic_spbe
from mechanisms.fair_allocation.full_implementation import pure_direct_equilibria_spbe



def test_spbe_checks_agree_with_the_enumeration():
    rng = np.random.default_rng(0)
    inst = []
    for N in (2, 3, 4):
        p = smart_grid_problem(N, 15.0, 5.0, 0.3, 0.1)
        for ph in (0.1, 0.3):
            pri = [np.array([ph, 1 - ph])] * N
            for eps in (0.0, 0.01, 0.05, 0.1, 0.2):
                taxes = [np.zeros(p.n_types + (N,)), rng.normal(0, 2, p.n_types + (N,))]
                try:
                    r = bsic_taxes(p, pri, eps, sbb=True, objective="max_slack", slack_cap=None)
                    if r.taxes is not None and np.ndim(r.taxes):
                        taxes.append(r)
                except ValueError:
                    pass
                for t in taxes:
                    inst.append((f"smartgrid N={N} pH={ph} eps={eps}", p, pri, eps, t))
    THREE = AllocationProblem(SaturatingQuadraticValuation(1.0), [(1.0, 2.0, 3.0)] * 3, capacity=1.0)
    U3 = [np.ones(3) / 3] * 3
    for eps in (0.0, 0.1, 0.3):
        for t in (np.zeros(THREE.n_types + (3,)), rng.normal(0, 1, THREE.n_types + (3,)),
                  *[r for r in (bsic_taxes(THREE, U3, eps, sbb=True), bsic_taxes(THREE, U3, eps, sbb=False))
                    if r.taxes is not None and np.ndim(r.taxes)]):
            inst.append((f"three eps={eps}", THREE, U3, eps, t))
    nb, ne, worst = 0, 0, 0.0
    for name, p, pri, eps, t in inst:
        a, b = check_bsic(p, pri, eps, t), check_bsic_spbe(p, pri, eps, t)
        scale = 1 + abs(a.max_gain)
        worst = max(worst, abs(a.max_gain - b.max_gain) / scale)
        assert a.holds == b.holds and a.checked == b.checked, (name, a, b)
        assert abs(a.max_gain - b.max_gain) <= 1e-12 * scale, (name, a, b)
        nb += 1
        if all(L == 2 for L in p.n_types):
            e1, e2 = pure_direct_equilibria(p, eps, pri, t), pure_direct_equilibria_spbe(p, eps, pri, t)
            assert [s for s, _ in e1.equilibria] == [s for s, _ in e2.equilibria], name
            assert e1.n_profiles == e2.n_profiles
            ne += 1
    assert nb == 82 and ne == 72, (nb, ne)
    print(f"BSIC agree on {nb} instances (max rel diff {worst:.2e}); pure BNE sets agree on {ne}")

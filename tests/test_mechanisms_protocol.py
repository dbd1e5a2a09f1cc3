"""The layer's protocol: one instance, several mechanisms, one result record each."""
import numpy as np
import pytest

from mechanisms.distributed import (PrivateGoodsMechanism, QuadraticUtility, check_equilibrium,
                                    solve_private, tune)
from mechanisms.distributed import from_edges as graph_from_edges
from mechanisms.fair_allocation import (AllocationProblem, SaturatingQuadraticValuation, bsic_taxes,
                                        check_bsic, check_dsic, dsic_taxes)
from mechanisms.graphs import cycle, star
from mechanisms.protocol import MECHANISMS, ResourceInstance, compare
from mechanisms.results import METHODS, MechanismResult, results_table

A = np.array([1.0, 1.5, 0.8, 1.2, 0.9])
P = np.array([3.0, 2.5, 3.5, 2.8, 3.2])
C = 5.0


def _optimum(a, p, c):
    """Closed form of max Σ -a_i/2 (x_i - p_i)^2 s.t. Σ x = c (interior): x_i = p_i - λ / a_i."""
    lam = (p.sum() - c) / (1.0 / a).sum()
    return p - lam / a


@pytest.mark.parametrize("edges", [cycle(5), star(5)])
def test_every_mechanism_runs_on_one_instance_and_implements_the_optimum(edges):
    inst = ResourceInstance(A, P, C, edges)
    results = compare(inst)
    assert [r.mechanism for r in results] == list(MECHANISMS)
    x_star = _optimum(A, P, C)
    welfare = float(np.sum(-0.5 * A * (x_star - P) ** 2))
    for r in results:
        assert isinstance(r, MechanismResult) and r.method in METHODS
        assert r.success, r.message
        np.testing.assert_allclose(r.allocation, x_star, rtol=1e-8)
        assert r.welfare == pytest.approx(welfare, rel=1e-9)
        assert r.budget_imbalance <= 1e-9 and r.individually_rational
        assert r.max_gain <= 1e-8
    assert {r.method for r in results} == {"searched", "exact"}
    table = results_table(results)
    assert all(name in table for name in MECHANISMS) and len(table.splitlines()) == 3


def test_a_perturbed_profile_fails_the_common_check():
    inst = ResourceInstance(A, P, C, cycle(5))
    graph = graph_from_edges(5, inst.edges)
    t = tune(graph, 1.01 / A.min(), "private")
    mech = PrivateGoodsMechanism(graph, t.xi, t.delta, supply=C)
    us = [QuadraticUtility(theta=-0.5 * a, sigma=a * p) for a, p in zip(A, P)]
    m = mech.equilibrium_messages(solve_private(us, C))
    good = check_equilibrium(mech, us, m).as_result()
    bad = check_equilibrium(mech, us, np.asarray(m) + 0.1).as_result()
    assert good.success and good.max_gain <= 1e-12
    assert not bad.success and bad.max_gain > 1e-3


def test_result_record_rejects_unknown_methods_and_freezes_allocations():
    with pytest.raises(ValueError, match="method"):
        MechanismResult("m", "x", "certified", True, "")
    r = MechanismResult("m", "x", "exact", True, "", allocation=[1.0, 2.0])
    with pytest.raises(ValueError):
        r.allocation[0] = 3.0


def test_fair_allocation_reports_speak_the_same_record():
    problem = AllocationProblem(SaturatingQuadraticValuation(1.0), [(1.0, 2.0)] * 3, capacity=1.0)
    eps = 0.05
    dsic = check_dsic(problem, eps, dsic_taxes(problem, eps)).as_result()
    assert dsic.method == "exact" and dsic.success and dsic.individually_rational
    priors = [np.array([0.5, 0.5])] * 3
    taxes = bsic_taxes(problem, priors, eps)
    bsic = check_bsic(problem, priors, eps, taxes).as_result()
    assert bsic.method == "exact" and bsic.success and bsic.max_gain <= 1e-9
    # zero taxes: truthful reporting is not BSIC for the fair rule, and the record says so
    zero = check_bsic(problem, priors, eps, np.zeros(problem.n_types + (3,))).as_result()
    assert not zero.success and zero.max_gain > 1e-6


def test_cmap_certificate_share_auction_and_crisdis_records():
    from mechanisms.cmap import certify_optimality, notes_network, oscillation_start, solve_weighted_log
    from mechanisms.crisdis import exploitability, initial_profile, make_crisis
    from mechanisms.share_auction import LogValuation, nash_equilibrium
    net = notes_network("k22")
    opt = solve_weighted_log(net)
    cert = opt.certificate.as_result()
    assert cert.method == "lp-certified" and cert.success and cert.welfare == opt.objective
    assert 0 <= cert.max_gain <= 1e-12 * net.weights.sum()
    # the start of the period-2 cycle is not optimal (F = log 0.3 + log 1.7): the gap refuses it
    bad = certify_optimality(net, oscillation_start(net)).as_result()
    assert not bad.success and bad.max_gain > 1e-6
    ne = nash_equilibrium([LogValuation(a, 10.0) for a in (2.0, 5.0, 8.0)], 1.0)
    r = ne.as_result()
    assert r.method == "exact" and r.success and r.max_gain <= 1e-9 and r.individually_rational
    np.testing.assert_allclose(r.allocation.sum(), 1.0)
    crisis = make_crisis(n_buyers=2, n_sellers=1, seed=0, n_markets=1)
    rep = exploitability(crisis, initial_profile(crisis), n_episodes=8, n_candidates=4, n_refine=0)
    e = rep.as_result()
    assert e.method == "searched" and e.max_gain == pytest.approx(float(np.max(rep.gains)))
    assert e.success == bool(np.all(rep.gains <= 2 * rep.standard_errors))
    assert all(x.method in METHODS for x in (cert, r, e)) and "seed004" in results_table([cert, r, e])

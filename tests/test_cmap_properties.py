"""Seed 000 (CMAP): invariants on random networks (notes, Seed 000 §4, invariants 1-9)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from mechanisms.cmap import (ExchangeNetwork, GRAPH_FAMILIES, STRATEGIES, certify_optimality,
                             cmap_response, community, community_utility, objective,
                             proportional_response_step, random_exchange_network, receipts,
                             run_strategy, solve_weighted_log, uniform_split)
from mechanisms.cmap.community import _cmap_sweeps
from mechanisms.cmap.proportional_response import _proportional_response_steps


def _random_start(net, rng):
    """A random feasible profile with every arc positive."""
    x = rng.uniform(0.05, 1.0, net.n_arcs)
    totals = np.add.reduceat(x, net.indptr[:-1])
    return x * (net.endowments / totals)[net.tails]


def _slsqp_receipts(net):
    """Independent solve of max Σ w log U over value flows y (SLSQP, analytic gradient)."""
    w = net.weights
    A = np.zeros((net.n_agents, net.n_arcs))
    A[net.tails, np.arange(net.n_arcs)] = 1.0  # budgets Σ_j y_ij = w_i
    H = np.zeros((net.n_agents, net.n_arcs))
    H[net.heads, np.arange(net.n_arcs)] = 1.0  # U = H y

    def f(y):
        with np.errstate(divide="ignore"):
            return -w @ np.log(H @ y)

    def g(y):
        return -(w / (H @ y)) @ H

    y0 = w[net.tails] / net.degrees[net.tails]
    res = minimize(f, y0, jac=g, method="SLSQP", bounds=[(0, None)] * net.n_arcs,
                   constraints=[{"type": "eq", "fun": lambda y: A @ y - w, "jac": lambda y: A}],
                   options={"ftol": 1e-14, "maxiter": 500})
    return H @ res.x, res


networks = st.builds(lambda fam, n, seed: random_exchange_network(fam, n, seed),
                     st.sampled_from(sorted(GRAPH_FAMILIES)), st.integers(4, 16), st.integers(0, 10**6))


@settings(max_examples=30, deadline=None)
@given(networks, st.integers(0, 10**6))
def test_sequential_cmap_never_decreases_the_objective(net, seed):
    rng = np.random.default_rng(seed)
    x = _random_start(net, rng)
    F = objective(net, x)
    for _ in range(3):
        for i in rng.permutation(net.n_agents):
            x = x.copy()
            x[net.out_arcs(int(i))] = cmap_response(net, x, int(i))
            F_new = objective(net, x)
            assert F_new >= F - 1e-12 * (1 + abs(F))
            F = F_new


@settings(max_examples=25, deadline=None)
@given(networks, st.sampled_from(STRATEGIES), st.integers(0, 10**6))
def test_every_iterate_is_feasible_and_metrics_are_bounded(net, strategy, seed):
    rng = np.random.default_rng(seed)
    opt = solve_weighted_log(net)
    run = run_strategy(net, strategy, start=_random_start(net, rng), max_rounds=15, optimum=opt, tol=0)
    sent = np.add.reduceat(run.flows, net.indptr[:-1], axis=1)
    assert np.all(run.flows >= 0)
    np.testing.assert_allclose(sent, np.broadcast_to(net.endowments, sent.shape), rtol=1e-12)
    assert np.all((run.nsw_ratio >= 0) & (run.nsw_ratio <= 1 + 1e-12))
    assert np.all(run.market_loss >= -1e-10)
    finite = np.isfinite(run.objective)
    np.testing.assert_allclose(run.market_loss[finite] / net.weights.sum(),
                               -np.log(run.nsw_ratio[finite]), atol=1e-12)
    if strategy == "cmap_sequential":
        assert np.all(np.diff(run.objective) >= -1e-12 * (1 + np.abs(run.objective[1:])))


@pytest.mark.parametrize("family, n, seed", [("watts_strogatz", 30, 1), ("grid", 20, 2),
                                             ("erdos_renyi", 25, 3), ("path", 12, 4)])
def test_k_invariance_bit_for_bit(family, n, seed):
    net = random_exchange_network(family, n, seed)
    opt = solve_weighted_log(net)
    runs = [run_strategy(net, s, k=k, max_rounds=12, optimum=opt, tol=0)
            for s in ("cmap_sequential", "cmap_simultaneous", "cmap_damped")
            for k in (1, 2, net.diameter)]
    for group in (runs[0:3], runs[3:6], runs[6:9]):
        for other in group[1:]:
            np.testing.assert_array_equal(other.flows, group[0].flows)


def test_k_hop_program_is_solved_by_water_filling_for_k_2():
    """Maximise the full 2-hop community utility (constant terms included) with SLSQP: it cannot
    beat the closed form, and it finds the same flows."""
    net = random_exchange_network("watts_strogatz", 14, 7)
    rng = np.random.default_rng(0)
    x = _random_start(net, rng)
    for i in (0, 5, 9):
        arcs = net.out_arcs(i)
        members = community(net, i, 2)
        assert members.size > net.degrees[i] + 1  # the 2-hop community is larger than N_i ∪ {i}

        def cu(xi):
            z = x.copy()
            z[arcs] = xi
            return community_utility(net, z, i, k=2)

        best = cmap_response(net, x, i, k=2)
        d = int(net.degrees[i])
        res = minimize(lambda xi: -cu(xi), np.full(d, net.endowments[i] / d), method="SLSQP",
                       bounds=[(1e-12, None)] * d,
                       constraints=[{"type": "eq", "fun": lambda xi: xi.sum() - net.endowments[i]}],
                       options={"ftol": 1e-14, "maxiter": 500})
        assert cu(best) >= -res.fun - 1e-10
        np.testing.assert_allclose(res.x, best, atol=1e-4)


@pytest.mark.parametrize("family, n, seed", [("watts_strogatz", 12, 11), ("erdos_renyi", 10, 12),
                                             ("grid", 12, 13), ("star", 8, 14), ("path", 9, 15)])
def test_block_ascent_proportional_response_and_slsqp_agree_on_receipts(family, n, seed):
    net = random_exchange_network(family, n, seed)
    ba = solve_weighted_log(net)
    pr = solve_weighted_log(net, method="proportional_response")
    assert ba.success and pr.success, (ba.message, pr.message)
    U_slsqp, res = _slsqp_receipts(net)
    assert res.success
    np.testing.assert_allclose(pr.receipts, ba.receipts, atol=1e-6)
    np.testing.assert_allclose(U_slsqp, ba.receipts, atol=1e-6)
    for sol in (ba, pr):
        assert certify_optimality(net, sol.x).kkt_residual <= 1e-6
    # the engine's sequential CMAP reaches the same receipts
    run = run_strategy(net, "cmap_sequential", max_rounds=2000, optimum=ba)
    assert run.success
    np.testing.assert_allclose(run.receipts[-1], ba.receipts, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(networks)
def test_optimum_structure_alpha_products_and_prices(net):
    opt = solve_weighted_log(net)
    assert opt.success
    cert = opt.certificate
    alpha = cert.ratios
    flow = opt.x * net.values[net.tails] > 1e-6 * net.weights[net.tails]
    prod = alpha[net.tails[flow]] * alpha[net.heads[flow]]
    np.testing.assert_allclose(prod, 1.0, atol=1e-6)
    np.testing.assert_allclose(cert.prices, alpha, rtol=1e-6)
    assert -1e-12 * net.weights.sum() <= cert.duality_gap <= 1e-10 * net.weights.sum()


@settings(max_examples=15, deadline=None)
@given(networks, st.floats(0.2, 5.0))
def test_scale_and_value_substitution_invariance(net, c):
    base = solve_weighted_log(net)
    scaled_eps = solve_weighted_log(net.with_data(endowments=c * net.endowments))
    np.testing.assert_allclose(scaled_eps.receipts, c * base.receipts, rtol=1e-6)
    scaled_v = solve_weighted_log(net.with_data(values=c * net.values))
    np.testing.assert_allclose(scaled_v.receipts, c * base.receipts, rtol=1e-6)
    # (ε, v) and (ε v, 1) have the same receipts; flows map back through y = v x
    subst = solve_weighted_log(net.with_data(endowments=net.weights, values=np.ones(net.n_agents)))
    np.testing.assert_allclose(subst.receipts, base.receipts, rtol=1e-6)
    x_back = subst.x / net.values[net.tails]
    assert certify_optimality(net, x_back).duality_gap <= 1e-9 * net.weights.sum()


def test_proportional_response_fixed_point_at_its_limit():
    net = random_exchange_network("erdos_renyi", 15, 21)
    pr = solve_weighted_log(net, method="proportional_response")
    x_next = proportional_response_step(net, pr.x)
    np.testing.assert_allclose(receipts(net, x_next), pr.receipts, atol=1e-10)


def test_engine_runs_match_the_compiled_kernels():
    net = random_exchange_network("watts_strogatz", 20, 5)
    opt = solve_weighted_log(net)
    x = uniform_split(net)
    pr = run_strategy(net, "proportional_response", max_rounds=30, optimum=opt, tol=0)
    y = x.copy()
    assert _proportional_response_steps(y, net.indptr, net.heads, net.reverse, net.values,
                                        net.endowments, 30) == -1
    np.testing.assert_array_equal(pr.flows[-1], y)
    seq = run_strategy(net, "cmap_sequential", max_rounds=5, optimum=opt, tol=0)
    z = x.copy()
    _cmap_sweeps(z, np.arange(net.n_agents), net.indptr, net.heads, net.reverse, net.values,
                 net.weights, 5)
    np.testing.assert_array_equal(seq.flows[-1], z)
    # one agent at a time through the public per-agent program gives the same sweep
    w = x.copy()
    for _ in range(5):
        for i in range(net.n_agents):
            w[net.indptr[i]:net.indptr[i + 1]] = cmap_response(net, w, i)
    np.testing.assert_allclose(seq.flows[-1], w, rtol=1e-12, atol=1e-15)


def test_damping_one_is_simultaneous_cmap():
    net = random_exchange_network("grid", 16, 3)
    opt = solve_weighted_log(net)
    a = run_strategy(net, "cmap_damped", damping=1.0, max_rounds=10, optimum=opt, tol=0)
    b = run_strategy(net, "cmap_simultaneous", max_rounds=10, optimum=opt, tol=0)
    np.testing.assert_array_equal(a.flows, b.flows)


def test_sequential_order_changes_the_path_but_not_the_limit():
    net = random_exchange_network("erdos_renyi", 18, 8)
    opt = solve_weighted_log(net)
    order = np.random.default_rng(1).permutation(net.n_agents)
    a = run_strategy(net, "cmap_sequential", max_rounds=3000, optimum=opt)
    b = run_strategy(net, "cmap_sequential", max_rounds=3000, optimum=opt, agent_order=order)
    assert not np.allclose(a.flows[1], b.flows[1])
    np.testing.assert_allclose(a.receipts[-1], b.receipts[-1], atol=1e-8)


def test_network_validation_names_the_argument():
    with pytest.raises(ValueError, match="edges: self-loop"):
        ExchangeNetwork.from_edges(3, [(0, 1), (1, 1)])
    with pytest.raises(ValueError, match="edges: .*not connected"):
        ExchangeNetwork.from_edges(4, [(0, 1), (2, 3)])
    with pytest.raises(ValueError, match="edges: edge \\(0, 1\\) is listed twice"):
        ExchangeNetwork.from_edges(3, [(0, 1), (1, 0), (1, 2)])
    with pytest.raises(ValueError, match="endowments"):
        ExchangeNetwork.from_edges(3, [(0, 1), (1, 2)], endowments=[1, 0, 1])
    with pytest.raises(ValueError, match="values"):
        ExchangeNetwork.from_edges(3, [(0, 1), (1, 2)], values=[1, 1])
    with pytest.raises(ValueError, match="edges: agent indices"):
        ExchangeNetwork.from_edges(3, [(0, 3)])


def test_k_zero_and_other_bad_arguments_are_rejected():
    net = random_exchange_network("star", 5, 0)
    x = uniform_split(net)
    with pytest.raises(ValueError, match="k: the 0-hop community"):
        cmap_response(net, x, 0, k=0)
    with pytest.raises(ValueError, match="k: the 0-hop community"):
        run_strategy(net, "cmap_sequential", k=0)
    with pytest.raises(ValueError, match="k: the 0-hop community"):
        community(net, 1, 0)
    with pytest.raises(TypeError, match="k:"):
        cmap_response(net, x, 0, k=1.5)
    with pytest.raises(ValueError, match="strategy"):
        run_strategy(net, "cmap_async")
    with pytest.raises(ValueError, match="damping"):
        run_strategy(net, "cmap_damped", damping=0)
    with pytest.raises(ValueError, match="agent_order"):
        run_strategy(net, "cmap_sequential", agent_order=[0, 0, 1, 2, 3])
    with pytest.raises(ValueError, match="start: agent 0 sends"):
        run_strategy(net, "cmap_sequential", start=2 * x)
    with pytest.raises(ValueError, match="start: proportional response needs a positive flow"):
        y = x.copy()
        y[net.out_arcs(0)] = [net.endowments[0], 0, 0, 0]
        run_strategy(net, "proportional_response", start=y)
    with pytest.raises(ValueError, match="method"):
        solve_weighted_log(net, method="cvxpy")

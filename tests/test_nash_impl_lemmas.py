"""Necessity lemmas of ch. 1-3 (every NE satisfies KKT) checked through their constructive
deviations, the rebate-independence that strong budget balance rests on, and the ch. 3
off-equilibrium budget identity (Lemma 5.1) against a brute-force version of (3.28)-(3.29)."""
import itertools

import numpy as np
import pytest

from mechanisms.nash_implementation import (LinearConstraintMechanism, LinearConstraints,
                                            MulticastMechanism, UnicastMechanism, get_instance,
                                            linear_allocation, solve_centralized)


def payoff(mech, utils, msgs, i):
    return mech.payoff(utils, msgs, i)


def replace(msgs, i, new):
    out = list(msgs)
    out[i] = np.asarray(new, dtype=float)
    return tuple(out)


@pytest.mark.parametrize("seed", range(5))
def test_ch1_unequal_prices_deviation_gain_closed_form(seed):
    # Lemma 3.3 (1.22b): p_j^q > pbar -> setting p_j^q = pbar gains
    # (p - pbar)[eta pbar slack + (p - pbar)] > 0
    rng = np.random.default_rng(seed)
    inst = get_instance("U1")
    mech = UnicastMechanism(inst.network, eta=0.3)
    msgs = tuple(np.concatenate([[rng.uniform(0.1, 3)], rng.uniform(0, 2, mech.message_size(i) - 1)])
                 for i in range(4))
    P = mech._price_matrix(msgs, 1)
    j, q = 0, 0      # agent 1, link AB
    pbar = (P[q].sum() - P[q, j]) / 3
    msgs = replace(msgs, j, np.array([msgs[j][0], pbar + 0.7, msgs[j][2]]))
    x = mech.outcome(msgs).x
    slack = 6 - x.sum()
    new = replace(msgs, j, np.array([msgs[j][0], pbar, msgs[j][2]]))
    gain = payoff(mech, inst.utilities, new, j) - payoff(mech, inst.utilities, msgs, j)
    assert gain == pytest.approx(0.7 * (0.3 * pbar * slack + 0.7), rel=1e-10)
    assert gain > 0


def test_ch1_complementary_slackness_deviation():
    # Lemma 3.5: common price p > 0 on a slack link -> lowering it by eps gains eps(eta p s - eps)
    inst = get_instance("U1")
    mech = UnicastMechanism(inst.network, eta=0.5)
    y = np.array([1.0, 0, 0, 1.0])   # no tight link (singleton BC is the argmin)
    msgs = tuple(np.concatenate([[y[i]], np.full(mech.message_size(i) - 1, 0.8)]) for i in range(4))
    s_ab = 6 - mech.outcome(msgs).x.sum()
    assert s_ab > 0
    eps = 0.01
    new = replace(msgs, 3, np.array([1.0, 0.8 - eps]))
    gain = payoff(mech, inst.utilities, new, 3) - payoff(mech, inst.utilities, msgs, 3)
    assert gain == pytest.approx(eps * (0.5 * 0.8 * s_ab - eps), rel=1e-10)


def test_ch1_stationarity_violation_is_profitable():
    # equal prices, CS holds, but v'(x_i) != sum alpha p: a small y step in that direction pays
    inst = get_instance("U1")
    sol = solve_centralized(inst.network, inst.utilities)
    mech = UnicastMechanism(inst.network)
    msgs = mech.equilibrium_messages(sol)
    # scale all prices up by 20%: every agent now wants less
    msgs = tuple(np.concatenate([[m[0]], 1.2 * m[1:]]) for m in msgs)
    for i in range(4):
        step = -1e-3 * msgs[i][0]
        new = replace(msgs, i, np.concatenate([[msgs[i][0] + step], msgs[i][1:]]))
        assert payoff(mech, inst.utilities, new, i) > payoff(mech, inst.utilities, msgs, i)


def test_sbb_rho_deviation_gains_exactly_zeta_square():
    inst = get_instance("U1")
    sol = solve_centralized(inst.network, inst.utilities)
    mech = UnicastMechanism(inst.network, budget_balance="strong", zeta=0.07)
    msgs = mech.equilibrium_messages(sol, kappa=2.0)
    r = mech.outcome(msgs).scale
    off = replace(msgs, 1, np.concatenate([msgs[1][:-1], [r + 0.3]]))
    gain = payoff(mech, inst.utilities, msgs, 1) - payoff(mech, inst.utilities, off, 1)
    assert gain == pytest.approx(0.07 * 0.3 ** 2, rel=1e-10)


def test_ch2_successor_quote_deviation_gains_its_square():
    # Lemma 3.3 (b), ch. 2: setting 2q_ki to 1q_ke gains exactly (2q_ki - 1q_ke)^2
    inst = get_instance("M1")
    rng = np.random.default_rng(7)
    mech = MulticastMechanism(inst.network)
    msgs = tuple(np.concatenate([[rng.uniform(0.2, 2)], rng.uniform(0, 2, mech.message_size(i) - 1)])
                 for i in range(4))
    # agent 0 on link 0: successor is agent 1; 2q of agent 0 on link 0 is entry 1 + L_0 = 3
    q1_succ = msgs[1][1]
    new = replace(msgs, 0, np.concatenate([msgs[0][:3], [q1_succ], msgs[0][4:]]))
    gain = payoff(mech, inst.utilities, new, 0) - payoff(mech, inst.utilities, msgs, 0)
    assert gain == pytest.approx((msgs[0][3] - q1_succ) ** 2, rel=1e-10)


@pytest.mark.parametrize("mech_factory", [
    lambda: (get_instance("U1"), UnicastMechanism(get_instance("U1").network, budget_balance="strong")),
    lambda: (get_instance("M1"), MulticastMechanism(get_instance("M1").network, budget_balance="strong")),
    lambda: (get_instance("G1"), LinearConstraintMechanism(get_instance("G1").network,
                                                            budget_balance="strong-at-equilibrium")),
    lambda: (get_instance("G5"), LinearConstraintMechanism(get_instance("G5").network,
                                                            budget_balance="strong-off-equilibrium", eta=0.4)),
])
def test_rebates_do_not_depend_on_own_prices(mech_factory):
    # SBB rebates depend on the others' messages only: changing agent i's prices (allocation
    # fixed) changes t_i exactly as in the weak-budget-balance game
    inst, sbb = mech_factory()
    weak_cls = type(sbb)
    weak = weak_cls(inst.network, **({"budget_balance": "weak"}))
    rng = np.random.default_rng(11)
    N = sbb.n_agents
    lb = [sbb.demand_lower_bound(i) for i in range(N)]
    base = tuple(np.concatenate([[lb[i] + rng.uniform(0.1, 2)], rng.uniform(0, 2, sbb.message_size(i) - 1)])
                 for i in range(N))
    for i in range(N):
        changed = base[i].copy()
        n_prices = weak.message_size(i) - 1
        changed[1:1 + n_prices] = rng.uniform(0, 2, n_prices)
        new = replace(base, i, changed)
        d_sbb = sbb.outcome(new).taxes[i] - sbb.outcome(base).taxes[i]
        wk = [m[:weak.message_size(j)] for j, m in enumerate(base)]
        wk_new = [m[:weak.message_size(j)] for j, m in enumerate(new)]
        if hasattr(weak, "eta") and hasattr(sbb, "eta"):
            weak.eta = sbb.eta
        d_weak = weak.outcome(wk_new).taxes[i] - weak.outcome(wk).taxes[i]
        assert d_sbb == pytest.approx(d_weak, rel=1e-9, abs=1e-12)



def test_printed_ch2_rebate_depends_on_own_quote():
    inst = get_instance("F9")
    with pytest.warns(RuntimeWarning):
        printed = MulticastMechanism(inst.network, budget_balance="strong", rebate="printed")
    weak = MulticastMechanism(inst.network)
    base = (np.array([1.0, 0.5, 0.5, 1.0]), np.array([1.0, 0.5, 0.5, 1.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    new = replace(base, 0, np.array([1.0, 0.5, 1.5, 1.0]))    # raise 2q of agent 11
    d_printed = printed.outcome(new).taxes[0] - printed.outcome(base).taxes[0]
    d_weak = (weak.outcome([m[:3] for m in new]).taxes[0] - weak.outcome([m[:3] for m in base]).taxes[0])
    assert abs(d_printed - d_weak) > 1e-3


def brute_force_offeq_rebate(p, a, c, eta, i):
    """(3.28a)-(3.29) written literally (with the N^l - 4, -3, -2 denominators)."""
    n = len(p)
    others = [k for k in range(n) if k != i]
    pbar = sum(p[k] for k in others) / (n - 1)
    f1 = sum(a[j] * (pbar - p[j] / (n - 1)) for j in others) / (n - 2)
    f2 = n / ((n - 1) ** 2 * (n - 2)) * sum((p[k] - p[m]) ** 2 for k, m in itertools.combinations(others, 2))
    phi = [a[k] ** 2 - 2 * c * a[k] for k in range(n)]
    pairs = list(itertools.combinations(others, 2))
    f3a = 2 * c ** 2 / ((n - 1) * (n - 2)) * sum(p[k] * p[m] for k, m in pairs)
    f3b = 2 / (n - 1) * sum(
        sum(p[j] * p[q] * phi[k] for k in others if k not in (j, q)) / (n - 3)
        + sum(p[j] * p[q] * phi[k] for k in (j, q)) / (n - 2) for j, q in pairs)
    f3c = 0.0
    for j, q in pairs:
        for k, s in pairs:
            B = len({j, q} & {k, s})
            f3c += p[j] * p[q] * a[k] * a[s] / (n - 4 + B)
    f3c *= 4 / (n - 1)
    return f1 + f2 + eta * (f3a + f3b + f3c)


@pytest.mark.parametrize("n", [5, 6])
def test_offeq_rebate_matches_literal_formula_and_balances_every_feasible_message(n):
    rng = np.random.default_rng(n)
    A = rng.uniform(0.5, 2, (1, n))
    net = LinearConstraints(A, [10.0])
    eta = 0.37
    mech = LinearConstraintMechanism(net, budget_balance="strong-off-equilibrium", eta=eta)
    for _ in range(5):
        y = rng.uniform(0.01, 1.5, n)
        assert np.all(A @ y <= 10)      # y in C
        p = rng.uniform(0, 3, n)
        F = mech.rebates(p[None, :], y)
        for i in range(n):
            assert F[0, i] == pytest.approx(brute_force_offeq_rebate(p, A[0] * y, 10.0, eta, i), rel=1e-10)
        msgs = tuple(np.array([y[i], p[i]]) for i in range(n))
        out = mech.outcome(msgs)
        assert abs(out.total_tax) <= 1e-10 * (1 + np.abs(out.taxes).sum())   # Lemma 5.1
    # outside C the identity is not claimed (and fails)
    y = rng.uniform(5, 8, n)
    assert linear_allocation(net, y)[1] < 1
    out = mech.outcome(tuple(np.array([y[i], 1.0 + i]) for i in range(n)))
    assert abs(out.total_tax) > 1e-3


def test_two_row_offeq_identity_with_five_and_six_agents():
    A = np.array([[1, 1, 1, 1, 1, 0], [0.5, 1, 1, 2, 1, 1]])
    net = LinearConstraints(A, [8.0, 9.0])
    mech = LinearConstraintMechanism(net, budget_balance="strong-off-equilibrium", eta=2.0)
    rng = np.random.default_rng(5)
    y = rng.uniform(0.01, 1.2, 6)
    assert np.all(A @ y <= [8, 9])
    msgs = tuple(np.concatenate([[y[i]], rng.uniform(0, 2, mech.message_size(i) - 1)]) for i in range(6))
    assert abs(mech.outcome(msgs).total_tax) < 1e-10


def test_offeq_variant_rejects_small_rows():
    with pytest.raises(ValueError, match="at least 5 agents"):
        LinearConstraintMechanism(get_instance("G1").network, budget_balance="strong-off-equilibrium")

"""Equilibrium learning in Crisdis: the learners' exploitability decreases during training on a
small instance, the NashConv estimator finds the exact best response of a toy market, and the
learner runs on the shared repeated-play engine."""
import numpy as np
import pytest

from mechanisms.crisdis import (Crisis, evaluate_profile, exploitability, initial_profile,
                                learn_equilibrium, make_crisis)


def test_exploitability_decreases_during_training_on_a_small_instance():
    crisis = make_crisis(n_buyers=2, n_sellers=2, seed=3, n_markets=3)
    res = learn_equilibrium(crisis, n_iterations=60, batch_size=32, learning_rate=0.05,
                            exploitability_every=30, seed=1,
                            exploitability_options={"n_episodes": 24, "n_candidates": 16,
                                                    "n_refine": 1, "refine_size": 8})
    assert list(res.checkpoints) == [0, 30, 60]
    start, end = res.nash_conv[0], res.nash_conv[-1]
    assert end < 0.5 * start
    # the estimate is a sum of non-negative gains up to noise
    last = res.reports[-1]
    assert np.all(last.gains > -4 * last.standard_errors - 1e-9)
    # ran on the engine as a fixed-horizon run: one round per iteration (no convergence claimed
    # for a stochastic learner), the Adam moments carried as the traders' state
    assert res.play.nit == 60 and res.status == 7 and res.success and res.iterations == 60
    assert res.play.state["round"] == 60 and len(res.play.state["adam"]) == crisis.n_traders
    assert res.mean_returns.shape == (60, crisis.n_traders)


def test_estimator_finds_the_exact_best_response_of_a_one_seller_market():
    # one seller with G = 0.25, one buyer with money M = 0.125 bidding for everything at P = 1,
    # one Market. Selling q costs the seller (C1 + C2) per unit kept, so its best response sells
    # exactly what the money buys at any price: value M + (C1 + C2)(G - M) = 0.171875.
    crisis = Crisis(demands=[1.0], earnings=[0.125], supply=[0.25], n_markets=1, fairness="free")
    profile = initial_profile(crisis, seller_mean=[1.0, 0.5],
                              buyer_mean=[1.0, 0.5, 1.0, 1.0, 0.0, 0.0], std=1e-9)
    rep = exploitability(crisis, profile, n_episodes=4, n_candidates=64, n_refine=4, traders=[0],
                         seed=0)
    exact = 0.125 + (-1 / 8 + 1 / 2) * (0.25 - 0.125)
    assert rep.best_response_values[0] == pytest.approx(exact, abs=2e-3)
    assert rep.best_response_values[0] <= exact + 1e-12
    # the seller's policy (offer all at 0.5) sells 0.25 for 0.125 and keeps nothing
    assert rep.policy_values[0] == pytest.approx(0.125, abs=1e-6)
    assert rep.gains[0] == pytest.approx(exact - 0.125, abs=2e-3)
    assert rep.gains[1] == 0 and rep.traders == (0,)


def test_evaluation_and_validation():
    crisis = make_crisis(n_buyers=2, n_sellers=1, seed=0, n_markets=2)
    prof = initial_profile(crisis)
    ev = evaluate_profile(crisis, prof, n_episodes=8)
    assert ev.price_of_anarchy.shape == (2,)
    assert np.all((ev.price_of_anarchy >= 0) & (ev.price_of_anarchy <= 1))
    with pytest.raises(ValueError, match="profile"):
        exploitability(crisis, prof[:-1])
    with pytest.raises(ValueError, match="n_iterations"):
        learn_equilibrium(crisis, n_iterations=0)
    with pytest.raises(ValueError, match="learning_rate"):
        learn_equilibrium(crisis, learning_rate=-1.0)
    with pytest.raises(ValueError, match="buyer_mean"):
        initial_profile(crisis, buyer_mean=[0.5, 0.5])
    with pytest.raises(ValueError, match="traders"):
        exploitability(crisis, prof, traders=[7])


_LEARN_AND_HASH = """
import hashlib, numpy as np
from mechanisms.crisdis import learn_equilibrium, make_crisis
crisis = make_crisis(seed=(2023, 0), n_markets=4).with_system(clearing="max_absolute",
                                                                fairness="rights", stages=1)
res = learn_equilibrium(crisis, n_iterations=12, batch_size=16, seed=(7, 0))
print(hashlib.sha256(np.concatenate([np.ravel(m) for m in res.means]).tobytes()).hexdigest())
"""


def test_learned_profile_does_not_depend_on_numpys_cpu_dispatch():
    # numpy's vectorised exp/log take other code paths on CPUs with AVX-512 and differ there in
    # the last bit; the maximum-clearing LP has many optimal allocations and the solver's
    # choice among them follows such a bit, which training amplifies. The policies therefore
    # take exp/log from the C library: the learned profile must be the same bit for bit with
    # numpy's AVX-512 paths switched off.
    import os
    import subprocess
    import sys
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:                               # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__
    off = [f for f in ("AVX512_SPR", "AVX512_ICL", "AVX512_SKX", "X86_V4") if __cpu_features__.get(f)]
    if not off:
        pytest.skip("numpy has no AVX-512 paths on this CPU: nothing to switch off")
    runs = []
    for extra in ({}, {"NPY_DISABLE_CPU_FEATURES": " ".join(off)}):
        out = subprocess.run([sys.executable, "-c", _LEARN_AND_HASH], env={**os.environ, **extra},
                             capture_output=True, text=True, check=True)
        runs.append(out.stdout.split()[-1])
    assert runs[0] == runs[1]

"""The Crisdis environment and metrics: frustration and PoA (Def. 4) against their formulas,
conservation of Good and money over a Crisis, the Rights constraint biting only when enforced,
per-stage consumption bounds, paper-vs-code conventions, seeding and validation."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mechanisms.crisdis import (CLEARING_METHODS, Crisis, frustration, initial_profile,
                                make_crisis, price_of_anarchy, rollout, sample_actions)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10**6), T=st.integers(1, 6), B=st.integers(1, 5))
def test_frustration_and_poa_match_their_definitions(seed, T, B):
    rng = np.random.default_rng(seed)
    R = rng.random((T, B)) * (rng.random((T, B)) < 0.8)
    got = rng.random((T, B)) * 1.5
    f = frustration(R, got)
    assert np.all((f >= 0) & (f <= 1))
    assert np.all(f[R == 0] == 0) and np.all(f[got >= R] == 0)
    mask = (R > 0) & (got < R)
    np.testing.assert_allclose(f[mask], ((R - got) / np.where(R > 0, R, 1))[mask])
    poa = price_of_anarchy(f)
    for tau in range(1, T + 1):
        assert poa[tau - 1] == pytest.approx(f[:tau].sum() / (tau * B))
    assert np.all((poa >= 0) & (poa <= 1))


def _random_actions(crisis, n, seed):
    rng = np.random.default_rng(seed)
    prof = initial_profile(crisis, std=0.35, jitter=1.0, seed=seed)
    return sample_actions(crisis, prof, n, rng)[:2]


@pytest.mark.parametrize("method", CLEARING_METHODS)
@pytest.mark.parametrize("fairness, stages", [("rights", 1), ("free", 1), ("rights", 2)])
def test_crisis_conserves_good_and_money_and_bounds_consumption(method, fairness, stages):
    c = make_crisis(seed=1, n_markets=4, clearing=method, fairness=fairness, stages=stages)
    xs, xb = _random_actions(c, 24, seed=3)
    ro = rollout(c, xs, xb, seed=5)
    T, S = c.n_markets, c.n_sellers
    assert ro.solver_failures == 0
    # Good: everything supplied was either traded or is still in the sellers' stock
    np.testing.assert_allclose(ro.traded.sum(axis=1) + ro.final_seller_good.sum(axis=1),
                               T * c.supply.sum(), atol=1e-9)
    # money: the buyers' earnings went to the sellers or are still held (Right trades are
    # transfers between buyers)
    np.testing.assert_allclose(ro.seller_income.sum(axis=(1, 2)) + ro.final_buyer_money.sum(axis=1),
                               T * c.earnings.sum(), atol=1e-9)
    assert np.all(ro.traded <= ro.offered + 1e-9)
    # a buyer never consumes more than its demand in a non-terminal Market
    assert np.all(ro.rewards[:, :-1, S:] <= c.demands + 1e-12)
    # Rights are the CG division of the offered volume
    np.testing.assert_allclose(ro.rights.sum(axis=2), ro.offered, atol=1e-9)
    assert np.all((ro.frustration >= 0) & (ro.frustration <= 1))


def test_rights_bind_only_when_enforced():
    # buyer 1 claims nothing, so it gets no Rights (even from over-supply in Market 2); nobody
    # sells Rights: it can buy nothing under Rights but buys in the free market
    base = dict(demands=[1.0, 0.0], earnings=[1.0, 1.0], supply=[1.0], n_markets=2)
    xs = np.tile([1.0, 0.5], (8, 2, 1, 1))
    # buyer 0 bids for half the supply, buyer 1 for all of it
    xb = np.tile([[0.0, 0.5, 0.5, 1.0, 0.0, 0.0], [0.0, 0.5, 1.0, 1.0, 0.0, 0.0]], (8, 2, 1, 1, 1))
    with_rights = rollout(Crisis(**base), xs, xb)
    free = rollout(Crisis(**base, fairness="free"), xs, xb)
    assert np.all(with_rights.bought[:, :, 1] <= with_rights.rights[:, :, 1] + 1e-12)
    assert np.all(with_rights.bought[:, :, 1] < 1e-8)
    np.testing.assert_allclose(free.bought[:, :, 1], 0.5)


def test_paper_and_code_conventions_differ_where_the_notes_say():
    paper = make_crisis(seed=2, n_markets=3)
    code = make_crisis(seed=2, n_markets=3, convention="code")
    assert code.claims == "residual" and code.excess == "equal_all" and code.storage_cost == 0
    assert code.clearing_options == {"eps_trade": 1e-4}
    xs, xb = _random_actions(paper, 16, seed=4)
    rp, rc = rollout(paper, xs, xb), rollout(code, xs, xb)
    assert not np.allclose(rp.rewards, rc.rewards)
    # with no storage cost, no terminal terms and no margin the seller rewards are pure income
    bare = make_crisis(seed=2, n_markets=3, storage_cost=0.0, terminal_good_value=0.0)
    rb = rollout(bare, xs, xb)
    np.testing.assert_allclose(rb.rewards[:, :, :bare.n_sellers], rb.seller_income)
    # paper seller rewards subtract C1 per unit of stock: more stock, lower reward
    rp_no_c2 = rollout(make_crisis(seed=2, n_markets=3, terminal_good_value=0.0), xs, xb)
    S = paper.n_sellers
    assert np.all(rp_no_c2.rewards[:, :, :S] <= rb.rewards[:, :, :S] + 1e-12)


def test_rollouts_are_seeded_and_inputs_validated():
    c = make_crisis(seed=0, n_markets=2, clearing="random")
    xs, xb = _random_actions(c, 4, seed=0)
    np.testing.assert_array_equal(rollout(c, xs, xb, seed=1).returns,
                                  rollout(c, xs, xb, seed=1).returns)
    with pytest.raises(ValueError, match="seller_actions"):
        rollout(c, xs[:, :1], xb)
    with pytest.raises(ValueError, match="buyer_actions"):
        rollout(c, xs, xb + 1.5)
    with pytest.raises(ValueError, match="fairness"):
        make_crisis(fairness="fair")
    with pytest.raises(ValueError, match="earnings"):
        Crisis(demands=[1, 1], earnings=[1], supply=[1])
    with pytest.raises(ValueError, match="stages"):
        make_crisis(stages=0)
    with pytest.raises(TypeError, match="clear"):
        make_crisis(clearing="greedy", clearing_options={"tie_break": "none"})

"""Market mechanisms of seed 004: every clearing rule satisfies Definition 2 (and budgets,
Rights) on random books, maximum clearing trades at least as much as greedy and random, the
average-price LP at least as much as the absolute one, money is conserved, the notes' greedy
hand fixture, and the authors' code tolerances as options."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mechanisms.crisdis import (CLEARING_METHODS, Clearing, OrderBook, clear, market_conditions,
                                maximum_clearing_flow)


@st.composite
def books(draw):
    n_s, n_b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)

    def vec(n, zero_p=0.2):
        v = rng.choice([0.0, 0.25, 0.5, 1.0], n) if rng.random() < 0.3 else rng.random(n)
        return np.where(rng.random(n) < zero_p, 0.0, v)       # zeros and ties included
    rights = rng.random(n_b) * rng.choice([0.0, 1.0])
    offered = vec(n_b) * rights
    return OrderBook(vec(n_s), vec(n_s), offered, vec(n_b), vec(n_b), vec(n_b), vec(n_b), vec(n_b),
                     rights - offered, vec(n_b) * 0.6, rights_enforced=draw(st.booleans())), seed


@settings(max_examples=60, deadline=None)
@given(case=books())
def test_every_rule_satisfies_definition_2_on_random_books(case):
    book, seed = case
    volumes = {}
    for method in CLEARING_METHODS:
        c = clear(book, method, seed=seed)
        assert c.success
        prices = "average" if method == "max_average" else "absolute"
        report = market_conditions(book, c, prices=prices)
        assert report.holds, (method, report.failed(), report.violations)
        # money is conserved: what buyers pay is what sellers and Right sellers receive
        assert c.payments.sum() == pytest.approx(c.seller_revenue.sum() + c.right_revenue.sum(),
                                                 abs=1e-12)
        volumes[method] = c.volume
    # maximum clearing trades at least as much as the heuristics; the average LP relaxes the
    # absolute one
    assert volumes["max_absolute"] >= volumes["greedy"] - 1e-7
    assert volumes["max_absolute"] >= volumes["random"] - 1e-7
    assert volumes["max_average"] >= volumes["max_absolute"] - 1e-7


@settings(max_examples=30, deadline=None)
@given(case=books())
def test_lp_buys_no_useless_rights_and_the_code_margin_is_feasible(case):
    book, seed = case
    for method in ("max_absolute", "max_average"):
        c = clear(book, method)
        if book.rights_enforced:
            need = np.maximum(c.good_bought - book.kept_rights, 0)
            assert np.all(c.rights_bought <= need + 1e-7)
        code = clear(book, method, capacity_margin=1e-4, tie_break="none")
        prices = "average" if method == "max_average" else "absolute"
        assert market_conditions(book, code, prices=prices).holds
        assert code.volume <= c.volume + 1e-7


@settings(max_examples=40, deadline=None)
@given(case=books())
def test_lp_volume_equals_the_max_flow_of_theorem_1_when_budgets_do_not_bind(case):
    book, _ = case
    rich = OrderBook(*[getattr(book, f) for f in (
        "good_volumes", "good_prices", "right_volumes", "right_prices", "bid_good_volumes",
        "bid_good_prices", "bid_right_volumes", "bid_right_prices", "kept_rights")],
        money=np.full(book.n_buyers, 100.0), rights_enforced=book.rights_enforced)
    flow = maximum_clearing_flow(rich, resolution=1e-7)
    assert market_conditions(rich, flow).holds
    assert flow.volume == pytest.approx(clear(rich, "max_absolute").volume, abs=1e-5)


def test_greedy_hand_fixture_from_the_notes():
    # one seller: 1 unit at 0.5; buyer 0 keeps 0.5 Right, has 1 money, bids (1, 0.6, 1, 0.2);
    # buyer 1 offers 0.5 Right at 0.1, has 0.1 money and no Good demand
    book = OrderBook([1.0], [0.5], [0.0, 0.5], [0.0, 0.1], [1.0, 0.0], [0.6, 0.0], [1.0, 0.0],
                     [0.2, 0.0], [0.5, 0.0], [1.0, 0.1])
    c = clear(book, "greedy")
    np.testing.assert_allclose(c.good, [[1.0, 0.0]])          # 0.5 with own Rights + 0.5 in pairs
    np.testing.assert_allclose(c.rights, [[0, 0], [0.5, 0]])
    np.testing.assert_allclose(c.payments, [0.25 + 0.30, 0.0])  # buyer 0 keeps 0.45 money
    np.testing.assert_allclose(c.right_revenue, [0, 0.05])      # buyer 1 ends with 0.15
    np.testing.assert_allclose(c.seller_revenue, [0.5])
    # the authors' code shortens each trade by 1e-4 (two trades here)
    code = clear(book, "greedy", eps_trade=1e-4)
    assert c.volume - code.volume == pytest.approx(2e-4)
    # a free market needs no Rights: buyer 0 buys the whole unit in stage 1, no Right changes hands
    free = clear(OrderBook(*[getattr(book, f) for f in (
        "good_volumes", "good_prices", "right_volumes", "right_prices", "bid_good_volumes",
        "bid_good_prices", "bid_right_volumes", "bid_right_prices", "kept_rights", "money")],
        rights_enforced=False), "greedy")
    assert free.volume == pytest.approx(1.0) and free.rights.sum() == 0
    np.testing.assert_allclose(free.payments, [0.5, 0.0])


def test_maximum_clearing_beats_greedy_where_greedy_misallocates():
    # two sellers (cheap 0.1 with 1 unit, dear 0.5 with 1 unit); buyer 0 bids 0.6 for 1 unit and
    # buyer 1 bids 0.2 for 1 unit; greedy serves buyer 0 first from the cheap seller, leaving
    # buyer 1 (who cannot pay 0.5) without; maximum clearing trades 2 units
    book = OrderBook([1, 1], [0.1, 0.5], [0, 0], [0, 0], [1, 1], [0.6, 0.2], [0, 0], [0, 0],
                     [1, 1], [1, 1])
    assert clear(book, "greedy").volume == pytest.approx(1.0)
    lp = clear(book, "max_absolute")
    assert lp.volume == pytest.approx(2.0)
    np.testing.assert_allclose(lp.good, [[0, 1], [1, 0]], atol=1e-9)
    # average prices: buyer 1 may mix dear and cheap units as long as its average stays <= 0.2
    book2 = OrderBook([1, 1], [0.1, 0.5], [0, 0], [0, 0], [0, 2], [0, 0.2], [0, 0], [0, 0],
                      [0, 2], [0, 10])
    assert clear(book2, "max_absolute").volume == pytest.approx(1.0)
    avg = clear(book2, "max_average")
    assert avg.volume == pytest.approx(4 / 3)      # 1 at 0.1 + 1/3 at 0.5: mean exactly 0.2
    assert market_conditions(book2, avg, prices="average").holds
    assert not market_conditions(book2, avg, prices="absolute").holds


def test_random_rule_is_seeded_and_validation_names_the_argument():
    rng = np.random.default_rng(0)
    book = OrderBook(rng.random(3), rng.random(3) * 0.5, np.zeros(3), np.zeros(3), rng.random(3),
                     0.5 + rng.random(3) * 0.5, np.zeros(3), np.zeros(3), rng.random(3),
                     rng.random(3), rights_enforced=False)
    a, b = clear(book, "random", seed=4), clear(book, "random", seed=4)
    np.testing.assert_array_equal(a.good, b.good)
    with pytest.raises(ValueError, match="method"):
        clear(book, "auction")
    with pytest.raises(TypeError, match="options"):
        clear(book, "greedy", tie_break="none")
    with pytest.raises(ValueError, match="eps_trade"):
        clear(book, "greedy", eps_trade=-1)
    with pytest.raises(ValueError, match="money"):
        OrderBook([1], [1], [0], [0], [1], [1], [0], [0], [0], [-1])
    with pytest.raises(ValueError, match="bid_good_prices"):
        OrderBook([1], [1], [0], [0], [1], [1, 2], [0], [0], [0], [1])
    with pytest.raises(ValueError, match="prices"):
        market_conditions(book, a, prices="median")


@pytest.mark.parametrize("rights_enforced", [False, True])
def test_checker_flags_each_condition_of_definition_2(rights_enforced):
    """The property test above is only as strong as the checker: a hand-made clearing that
    breaks one condition at a time is reported as breaking that condition."""
    # one seller: 2 units at 0.5; two buyers bid 1.5 units at 0.6 and 1 Right unit at 0.2; buyer 1
    # offers 1 Right at 0.1; both keep 1 Right and hold money 2
    book = OrderBook([2.0], [0.5], [0.0, 1.0], [0.0, 0.1], [1.5, 1.5], [0.6, 0.6], [1.0, 1.0],
                     [0.2, 0.2], [1.0, 1.0], [2.0, 2.0], rights_enforced=rights_enforced)

    def make(good, rights=((0.0, 0.0), (0.0, 0.0)), gp=((0.5, 0.5),), rp=((0.0, 0.0), (0.1, 0.1))):
        return Clearing(np.array(good, float), np.array(rights, float), np.array(gp, float),
                        np.array(rp, float))
    assert market_conditions(book, make([[1.0, 1.0]])).holds
    cases = {
        "1 sells at most the offer": make([[1.5, 1.0]]),
        "2 buys at most the bid volume": make([[0.0, 1.8]]),
        "3 no sale below the ask": make([[1.0, 1.0]], gp=[[0.4, 0.5]]),
        "4 no purchase above the bid": make([[1.0, 1.0]], gp=[[0.7, 0.5]]),
        "5 no Right bought from oneself": make([[1.0, 1.0]], rights=[[0.0, 0.0], [0.0, 0.5]]),
    }
    for name, clearing in cases.items():
        report = market_conditions(book, clearing)
        assert not report.holds and name in report.failed(), (name, report.violations)
    poor = OrderBook(*[getattr(book, f) for f in (
        "good_volumes", "good_prices", "right_volumes", "right_prices", "bid_good_volumes",
        "bid_good_prices", "bid_right_volumes", "bid_right_prices", "kept_rights")],
        money=np.array([0.1, 2.0]), rights_enforced=rights_enforced)
    assert "budget" in market_conditions(poor, make([[1.0, 1.0]])).failed()
    if rights_enforced:      # 1.5 units of Good on 1 kept Right and no Right bought
        assert "rights cover the Good" in market_conditions(book, make([[1.5, 0.5]])).failed()

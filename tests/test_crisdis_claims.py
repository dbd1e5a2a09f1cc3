"""Claims rules of seed 004: the contested-garment rule on the Talmud's estates and the garment,
its axioms (efficiency, zero claim gets zero, symmetry, bounds, order preservation, self-duality,
monotonicity, consistency) as property tests, the over-supply options, CEA/CEL against bisection."""
import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from mechanisms.crisdis import (constrained_equal_awards, constrained_equal_losses,
                                contested_garment)

claims_st = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=1, max_size=7)
fraction_st = st.floats(0.0, 1.0)


@pytest.mark.parametrize("estate, expected", [(100, [100 / 3] * 3), (200, [50, 75, 75]),
                                              (300, [50, 100, 150])])
def test_talmud_estate_table(estate, expected):
    np.testing.assert_allclose(contested_garment([100, 200, 300], estate), expected, atol=1e-12)


def test_contested_garment_of_the_mishna_and_over_supply_options():
    np.testing.assert_allclose(contested_garment([1, 0.5], 1), [0.75, 0.25])
    # two claimants: each concedes what the other does not claim, the rest is split equally
    for d1, d2, e in [(3, 1, 2), (5, 2, 4.5), (2, 2, 1)]:
        conceded1, conceded2 = max(e - d2, 0), max(e - d1, 0)
        rest = e - conceded1 - conceded2
        np.testing.assert_allclose(contested_garment([d1, d2], e),
                                   [conceded1 + rest / 2, conceded2 + rest / 2])
    # over-supply (notes' fixture): the authors' code gives Rights to the zero claim
    np.testing.assert_allclose(contested_garment([1, 0, 2], 4), [1.5, 0, 2.5])
    np.testing.assert_allclose(contested_garment([1, 0, 2], 4, excess="equal_all"),
                               [4 / 3, 1 / 3, 7 / 3])
    np.testing.assert_allclose(contested_garment([1, 0, 2], 4, excess="cap"), [1, 0, 2])


@settings(max_examples=200, deadline=None)
@given(d=claims_st, f=fraction_st)
def test_contested_garment_axioms(d, f):
    d = np.array(d)
    total = d.sum()
    e = f * total
    cg = contested_garment(d, e)
    assert cg.sum() == pytest.approx(e, abs=1e-9)                     # efficiency
    assert np.all(cg >= -1e-12) and np.all(cg <= d + 1e-12)           # bounds
    assert np.all(cg[d == 0] == 0)                                    # zero claim gets zero
    # anonymity: permuting the claimants permutes the awards
    perm = np.random.default_rng(len(d)).permutation(len(d))
    np.testing.assert_allclose(contested_garment(d[perm], e), cg[perm], atol=1e-12)
    # equal claims, equal awards; order preservation of awards and of losses
    for i, j in itertools.combinations(range(len(d)), 2):
        if d[i] == d[j]:
            assert cg[i] == pytest.approx(cg[j], abs=1e-12)
        if d[i] <= d[j]:
            assert cg[i] <= cg[j] + 1e-12
            assert d[i] - cg[i] <= d[j] - cg[j] + 1e-12
    # self-duality and half-claims
    np.testing.assert_allclose(contested_garment(d, total - e), d - cg, atol=1e-9)
    if e <= total / 2:
        assert np.all(cg <= d / 2 + 1e-12)
    # monotone in the estate
    assert np.all(contested_garment(d, min(total, e + 0.1 * total)) >= cg - 1e-12)


@settings(max_examples=100, deadline=None)
@given(d=claims_st, f=fraction_st, drop=st.integers(0, 6))
def test_contested_garment_is_consistent(d, f, drop):
    d = np.array(d)
    assume(len(d) >= 2)
    drop %= len(d)
    e = f * d.sum()
    cg = contested_garment(d, e)
    keep = np.arange(len(d)) != drop
    np.testing.assert_allclose(contested_garment(d[keep], e - cg[drop]), cg[keep], atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(d=claims_st, extra=st.floats(0.0, 5.0))
def test_over_supply_keeps_the_seeds_axioms_by_default(d, extra):
    d = np.array(d)
    assume(d.sum() > 0)
    cg = contested_garment(d, d.sum() + extra)
    assert cg.sum() == pytest.approx(d.sum() + extra)
    assert np.all(cg[d == 0] == 0) and np.all(cg >= d - 1e-12)


def _bisection_cea(c, estate):
    lo, hi = 0.0, max(c.max(), 0.0)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.minimum(c, mid).sum() < estate else (lo, mid)
    return np.minimum(c, hi)


@settings(max_examples=100, deadline=None)
@given(d=claims_st, f=fraction_st)
def test_equal_awards_and_losses_match_their_definitions(d, f):
    d = np.array(d)
    e = f * d.sum()
    np.testing.assert_allclose(constrained_equal_awards(d, e), _bisection_cea(d, e), atol=1e-9)
    losses = d - constrained_equal_losses(d, e)
    np.testing.assert_allclose(losses, _bisection_cea(d, d.sum() - e), atol=1e-9)


def test_claims_validation_names_the_argument():
    with pytest.raises(ValueError, match="claims"):
        contested_garment([1, -1], 0.5)
    with pytest.raises(ValueError, match="estate"):
        contested_garment([1, 1], -0.5)
    with pytest.raises(ValueError, match="estate"):
        constrained_equal_awards([1, 1], 3)
    with pytest.raises(ValueError, match="excess"):
        contested_garment([1, 1], 3, excess="share")

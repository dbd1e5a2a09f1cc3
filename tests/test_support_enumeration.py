"""The support-enumeration fast path of the stage solver (δ = 0, two agents, one type each).

It must list exactly the equilibria that QuantEcon's ``support_enumeration`` and the general
case enumeration list on nondegenerate games, every profile must be a Nash equilibrium by an
independent numpy check, the compiled and interpreted kernels must agree, and on degenerate
games ``method="auto"`` must fall back to the case enumeration (whose equilibria, with unequal
supports or in continua, support enumeration over equal sizes does not see).
"""
import numpy as np
import pytest

import spbe
from spbe._kernels.backends import kernel_module
from spbe.stage.bimatrix import bimatrix_equilibria

from normal_form_helpers import normal_form, same_sets

TOL = 1e-9
BELIEF = ([1.0], [1.0])


def profiles(res):
    return [(s.strategy[0][0], s.strategy[1][0]) for s in res]


def contains(big, small, atol=1e-8):
    return all(any(np.allclose(p, q, atol=atol) and np.allclose(r, s, atol=atol) for q, s in big)
               for p, r in small)


def gain(A, B, x, y):
    """Largest best-response gain of the profile (x, y), computed directly."""
    return max(np.max(A @ y) - x @ A @ y, np.max(x @ B) - x @ B @ y)


def random_games(shape, count, seed):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)) for _ in range(count)]


SHAPES = [(2, 2), (2, 3), (3, 2), (3, 3), (4, 4), (2, 5), (6, 6), (4, 6), (7, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_matches_quantecon(shape):
    qe = pytest.importorskip("quantecon.game_theory")
    for A, B in random_games(shape, 6, seed=100 + 10 * shape[0] + shape[1]):
        nf = qe.NormalFormGame((qe.Player(A), qe.Player(B.T)))   # QuantEcon: own actions first
        theirs = [(np.asarray(p), np.asarray(q)) for p, q in qe.support_enumeration(nf)]
        res = spbe.stage_equilibria(normal_form(A, B), BELIEF)
        assert res.method == "support-enumeration" and res.complete and res.success
        assert same_sets(profiles(res), theirs), (profiles(res), theirs)
        direct = bimatrix_equilibria(A, B)
        assert not direct.degenerate
        assert same_sets(list(direct), theirs)


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (3, 2), (3, 3)])
def test_matches_case_enumeration(shape):
    for A, B in random_games(shape, 4, seed=7 * shape[0] + shape[1]):
        g = normal_form(A, B)
        fast = spbe.stage_equilibria(g, BELIEF)
        slow = spbe.stage_equilibria(g, BELIEF, method="case-enumeration")
        assert fast.method == "support-enumeration" and slow.method == "case-enumeration"
        assert slow.complete and fast.complete
        assert same_sets(profiles(fast), profiles(slow))
        for s in fast:                    # the same supports, hence the same case labels
            twin = [t for t in slow if np.allclose(t.strategy[0], s.strategy[0], atol=1e-8)
                    and np.allclose(t.strategy[1], s.strategy[1], atol=1e-8)]
            assert twin and twin[0].case == s.case and twin[0].label == s.label
            assert twin[0].n_unknowns == s.n_unknowns


@pytest.mark.parametrize("shape", [(3, 4), (5, 5), (8, 3), (8, 8)])
def test_every_profile_is_an_equilibrium(shape):
    for A, B in random_games(shape, 5, seed=shape[0] * shape[1]):
        res = spbe.stage_equilibria(normal_form(A, B), BELIEF)
        assert res.success                                # Nash: at least one equilibrium
        for s in res:
            x, y = s.strategy[0][0], s.strategy[1][0]
            assert np.all(x >= 0) and np.all(y >= 0)
            assert x.sum() == pytest.approx(1.0, abs=1e-12)
            assert y.sum() == pytest.approx(1.0, abs=1e-12)
            assert gain(A, B, x, y) <= TOL
            assert s.residual == pytest.approx(max(gain(A, B, x, y), 0.0), abs=1e-12)
            # nondegenerate: equal support sizes, and the record matches the profile
            (I,), (J,) = s.case
            assert len(I) == len(J) == s.n_unknowns // 2 + 1
            assert I == tuple(np.flatnonzero(x > 0)) and J == tuple(np.flatnonzero(y > 0))
            np.testing.assert_allclose(s.action_values[0][0], A @ y, atol=1e-12)
            np.testing.assert_allclose(s.action_values[1][0], x @ B, atol=1e-12)
            np.testing.assert_allclose(s.values[0], [x @ A @ y], atol=1e-12)
            np.testing.assert_allclose(s.values[1], [x @ B @ y], atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 2), (3, 4), (5, 5), (6, 4)])
def test_backends_agree(shape):
    interpreted = kernel_module("support_enumeration", "numpy").support_enumeration
    assert hasattr(kernel_module("support_enumeration", "numba").support_enumeration, "py_func")
    assert not hasattr(interpreted, "py_func")            # really the uncompiled source
    games = random_games(shape, 3, seed=shape[0] + 31 * shape[1])
    A0 = np.array([[1.0, 1.0], [1.0, 0.0]])               # degenerate: the counters must agree too
    games.append((np.pad(A0, ((0, shape[0] - 2), (0, shape[1] - 2))),
                  np.pad(A0.T, ((0, shape[0] - 2), (0, shape[1] - 2)))))
    for A, B in games:
        fast, ref = bimatrix_equilibria(A, B), bimatrix_equilibria(A, B, backend="numpy")
        assert fast.backend == "numba" and ref.backend == "numpy"
        assert fast.supports == ref.supports
        assert (fast.n_pairs, fast.n_solves, fast.n_singular, fast.n_ties, fast.n_zero_weights) == \
               (ref.n_pairs, ref.n_solves, ref.n_singular, ref.n_ties, ref.n_zero_weights)
        assert len(fast) == len(ref)
        for (x, y), (p, q) in zip(fast, ref):
            assert np.max(np.abs(x - p)) <= 1e-10 and np.max(np.abs(y - q)) <= 1e-10
        r1 = spbe.stage_equilibria(normal_form(A, B), BELIEF, method="support-enumeration")
        r2 = spbe.stage_equilibria(normal_form(A, B), BELIEF, method="support-enumeration",
                                   backend="numpy")
        assert r2.parameters["backend"] == "numpy"
        assert [s.case for s in r1] == [s.case for s in r2]


def test_pair_count_and_early_rejection():
    A, B = random_games((6, 4), 1, seed=3)[0]
    res = bimatrix_equilibria(A, B)
    from math import comb
    assert res.n_pairs == sum(comb(6, k) * comb(4, k) for k in range(1, 5))
    # the column player's system is solved only where the row player's passed
    assert res.n_pairs <= res.n_solves < 2 * res.n_pairs


def test_known_games():
    # battle of the sexes: two pure equilibria and the mixed one
    A, B = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])
    res = bimatrix_equilibria(A, B)
    assert not res.degenerate and len(res) == 3
    assert res.supports == (((0,), (0,)), ((1,), (1,)), ((0, 1), (0, 1)))
    np.testing.assert_allclose(res[2][0], [2 / 3, 1 / 3], atol=1e-14)
    np.testing.assert_allclose(res[2][1], [1 / 3, 2 / 3], atol=1e-14)
    # matching pennies: only the mixed one; the payoff scale does not matter
    P = np.array([[1.0, -1.0], [-1.0, 1.0]])
    for scale in (1e-6, 1.0, 1e6):
        res = bimatrix_equilibria(scale * P, -scale * P)
        assert not res.degenerate and len(res) == 1
        np.testing.assert_allclose(res[0][0], [0.5, 0.5], atol=1e-12)


# von Stengel (AGT 2007, ch. 3): player 2's payoffs in the top row are tied, so every
# y with y_1 <= 1/3 answers the top row: a continuum of equilibria.
CONTINUUM = (np.array([[3.0, 3.0], [2.0, 5.0], [0.0, 6.0]]),
             np.array([[3.0, 3.0], [2.0, 6.0], [3.0, 1.0]]))
DUPLICATED_ROW = (np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]),
                  np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))


@pytest.mark.parametrize("A, B", [CONTINUUM, DUPLICATED_ROW], ids=["continuum", "duplicated-row"])
def test_degenerate_game_falls_back(A, B):
    assert bimatrix_equilibria(A, B).degenerate
    g = normal_form(A, B)
    auto = spbe.stage_equilibria(g, BELIEF)
    general = spbe.stage_equilibria(g, BELIEF, method="case-enumeration")
    assert auto.method == "case-enumeration" and "degeneracy" in auto.parameters["fallback"]
    assert auto.parameters["method_requested"] == "auto"
    assert contains(profiles(auto), profiles(general)) and len(auto) == len(general)
    for s in auto:
        assert gain(A, B, s.strategy[0][0], s.strategy[1][0]) <= TOL
    # forced, support enumeration returns only true equilibria and says it may miss some
    forced = spbe.stage_equilibria(g, BELIEF, method="support-enumeration")
    assert forced.method == "support-enumeration" and not forced.complete
    assert "degeneracy" in forced.message
    assert contains(profiles(general), profiles(forced))


def test_degenerate_fallback_finds_what_support_enumeration_misses():
    A, B = DUPLICATED_ROW
    g = normal_form(A, B)
    forced = spbe.stage_equilibria(g, BELIEF, method="support-enumeration")
    auto = spbe.stage_equilibria(g, BELIEF)
    assert len(forced) < len(auto)
    # e.g. rows 0 and 1 mixed against the pure column 0: supports of sizes 2 and 1
    assert any(len(s.case[0][0]) != len(s.case[1][0]) for s in auto)
    assert any(s.degenerate for s in auto)                # a continuum's representative
    # the continuum game: the top row against every y with y_1 <= 1/3; the endpoints are found
    A, B = CONTINUUM
    auto = profiles(spbe.stage_equilibria(normal_form(A, B), BELIEF))
    assert contains(auto, [(np.array([1.0, 0, 0]), np.array([1.0, 0])),
                           (np.array([1.0, 0, 0]), np.array([2 / 3, 1 / 3]))])


def test_no_flag_means_complete_on_small_integer_games():
    """The detection is what makes "auto" safe: whenever support enumeration reports no sign
    of degeneracy, its list must equal the case enumeration's. Small integer payoffs make
    degenerate games (ties) common, so both branches of the claim are exercised."""
    rng = np.random.default_rng(5)
    flagged = clean = 0
    for _ in range(40):
        shape = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
        A, B = rng.integers(0, 5, shape).astype(float), rng.integers(0, 5, shape).astype(float)
        fast = bimatrix_equilibria(A, B)
        if fast.degenerate:
            flagged += 1
            continue
        clean += 1
        general = spbe.stage_equilibria(normal_form(A, B), BELIEF, method="case-enumeration")
        assert general.complete
        assert same_sets(list(fast), profiles(general)), (A, B)
    assert flagged >= 5 and clean >= 5


def test_inconsistent_singular_system_is_no_sign_of_degeneracy():
    # row 1 = row 0 + 2: the pair ({0, 1}, {0, 1}) is singular but has no solution (no mix
    # makes rows that differ by a constant indifferent); the game is nondegenerate
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    B = np.array([[0.2, 0.9], [0.3, 0.7]])
    res = bimatrix_equilibria(A, B)
    assert res.n_inconsistent >= 1 and res.n_singular == 0 and not res.degenerate
    assert res.supports == (((1,), (1,)),)           # row 1 dominates; column 1 answers it
    assert spbe.stage_equilibria(normal_form(A, B), BELIEF).method == "support-enumeration"


def test_method_argument():
    rng = np.random.default_rng(0)
    g2 = spbe.DynamicGame(rng.uniform(size=(2, 2, 2, 2, 2)), types=[2, 2], actions=[2, 2],
                          delta=0.0)
    with pytest.raises(ValueError, match="method"):
        spbe.stage_equilibria(g2, ([0.5, 0.5], [0.5, 0.5]), method="support-enumeration")
    A, B = random_games((2, 2), 1, seed=1)[0]
    g = normal_form(A, B)
    with pytest.raises(ValueError, match="method"):
        spbe.stage_equilibria(g, BELIEF, method="vertex-enumeration")
    with pytest.raises(ValueError, match="method.*max_unknowns"):
        spbe.stage_equilibria(g, BELIEF, method="support-enumeration", max_unknowns=1)
    g3 = spbe.DynamicGame(rng.uniform(size=(3, 1, 1, 1, 2, 2, 2)), types=[1, 1, 1],
                          actions=[2, 2, 2], delta=0.0)
    with pytest.raises(ValueError, match="method.*3 agents"):
        spbe.stage_equilibria(g3, ([1.0], [1.0], [1.0]), method="support-enumeration")
    # options of the case enumeration keep "auto" on it
    res = spbe.stage_equilibria(g, BELIEF, first_only=True)
    assert res.method == "case-enumeration" and res.parameters["method_requested"] == "auto"
    # a continuation at δ > 0 keeps "auto" on the case enumeration; at δ = 0 it is ignored
    grid = spbe.BeliefGrid(g, 1)
    V = spbe.ContinuationValue(grid, np.ones((grid.n_nodes, 2, 1)))
    assert spbe.stage_equilibria(g, BELIEF, V, delta=0.5).method == "case-enumeration"
    with pytest.raises(ValueError, match="method.*continuation"):
        spbe.stage_equilibria(g, BELIEF, V, delta=0.5, method="support-enumeration")
    assert spbe.stage_equilibria(g, BELIEF, V, delta=0.0).method == "support-enumeration"


def test_result_record_and_e1():
    A, B = random_games((3, 3), 1, seed=11)[0]
    res = spbe.stage_equilibria(normal_form(A, B), BELIEF)
    assert res.method == "support-enumeration" == res.parameters["method"]
    assert res.parameters["method_requested"] == "auto" and res.parameters["degenerate"] is False
    assert res.n_cases == res.n_cases_tried == 19 and res.n_evaluations >= 19
    assert res.e1 is not None and res.e1.holds          # check_e1 still runs (trivially at δ = 0)
    assert spbe.stage_equilibria(normal_form(A, B), BELIEF, check_e1=False).e1 is None
    for s in res:
        assert isinstance(s, spbe.StageSolution)
        assert s.strategy[0].shape == (1, 3) and s.values[0].shape == (1,)
        assert s.label.startswith("1[") and " 2[" in s.label


def test_input_checks():
    with pytest.raises(ValueError, match="B"):
        bimatrix_equilibria(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="tol"):
        bimatrix_equilibria(np.ones((2, 2)), np.ones((2, 2)), tol=0.0)
    with pytest.raises(ValueError, match="backend"):
        bimatrix_equilibria(np.ones((2, 2)), np.ones((2, 2)), backend="cuda")

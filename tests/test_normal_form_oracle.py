"""With δ = 0 and one type per agent the stage game is a normal-form game: the case enumeration
must find exactly the equilibria that independent solvers find (Nashpy, QuantEcon). Both methods
are tested: the general case enumeration, and ``"auto"``, which takes the compiled two-player
support enumeration on these games (spbe/stage/bimatrix.py)."""
import numpy as np
import pytest

import spbe

from normal_form_helpers import normal_form, same_sets


METHODS = pytest.mark.parametrize("method", ["case-enumeration", "auto"])


def ours(A, B, method="case-enumeration"):
    res = spbe.stage_equilibria(normal_form(A, B), ([1.0], [1.0]), method=method)
    assert res.complete
    return [(s.strategy[0][0], s.strategy[1][0]) for s in res]


@METHODS
@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (3, 2), (4, 4), (2, 4)])
def test_matches_nashpy_vertex_enumeration(shape, method):
    # Nashpy's support_enumeration misses the (2, 2)-support equilibrium of one of these 3x2
    # games (it warns "0 equilibria ... degenerate"); its vertex enumeration and QuantEcon find it.
    nash = pytest.importorskip("nashpy")
    rng = np.random.default_rng(hash(shape) % 2 ** 32)
    for _ in range(6):
        A, B = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
        theirs = [(np.asarray(p), np.asarray(q)) for p, q in nash.Game(A, B).vertex_enumeration()]
        mine = ours(A, B, method)
        assert same_sets(mine, theirs), (mine, theirs)


@METHODS
@pytest.mark.parametrize("shape", [(3, 3), (4, 3)])
def test_matches_quantecon_support_enumeration(shape, method):
    qe = pytest.importorskip("quantecon.game_theory")
    rng = np.random.default_rng(7 + shape[0])
    for _ in range(6):
        A, B = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
        g = qe.NormalFormGame((qe.Player(A), qe.Player(B.T)))
        theirs = [(np.asarray(p), np.asarray(q)) for p, q in qe.support_enumeration(g)]
        assert same_sets(ours(A, B, method), theirs)


@METHODS
def test_known_game_matching_pennies_and_coordination(method):
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    sol = ours(A, -A, method)
    assert len(sol) == 1
    np.testing.assert_allclose(sol[0][0], [0.5, 0.5], atol=1e-12)
    C = np.array([[2.0, 0.0], [0.0, 1.0]])
    sol = ours(C, C, method)                                        # two pure and one mixed (1/3, 2/3)
    assert len(sol) == 3
    assert any(np.allclose(p, [1 / 3, 2 / 3], atol=1e-12) for p, _ in sol)

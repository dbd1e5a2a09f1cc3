"""Acceptance on the thesis's grid: the public-goods SPBE at δ = 0.95 on 51 x 51.

Slow (about 3 minutes on 2 cores): runs with SPBE_SLOW=1 (see conftest.py).
Measured values: docs/reproductions.md.
"""
import numpy as np
import pytest

import spbe
from spbe.reproductions import ch6_public_goods as ch6


@pytest.fixture(scope="module")
def eq51():
    return spbe.solve(spbe.examples.public_goods(0.95), grid=51)


@pytest.mark.slow
def test_converges_and_epsilon_per_round_below_1e_3(eq51):
    assert eq51.converged, eq51.message
    assert [lv["grid"] for lv in eq51.settings["levels"]] == [[6, 6], [26, 26], [51, 51]]
    assert eq51.n_flagged == 0
    assert (1 - eq51.delta) * eq51.epsilon <= 1e-3
    assert (1 - eq51.delta) * eq51.residual <= 1e-6


@pytest.mark.slow
def test_symmetry_vertices_and_signalling_shift(eq51):
    assert ch6._symmetry_gap(eq51) <= 1e-8                        # R3
    corners = ch6._ranges(eq51, 0.95)["corners"]
    # vertex values are the stage Nash values paid for ever (notes §3.5), per round, within η effects
    np.testing.assert_allclose(corners["pi=(1,0)"]["value_H"], 1.0, atol=1e-5)
    np.testing.assert_allclose(corners["pi=(0,1)"]["value_L"], 0.8, atol=1e-5)
    np.testing.assert_allclose(corners["pi=(1,1)"]["value_H"], 0.0, atol=1e-5)
    # R2: the switch point of γ̃^1(1|L) at π_1 = 0.9 moves up with δ (0.2 at δ = 0, 0.34 at 0.5)
    assert ch6._switch_point(eq51) > 0.5

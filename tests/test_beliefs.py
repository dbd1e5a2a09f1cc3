"""Belief grids, interpolation (notes §2.3, test U2) and the Bayes update (6.7) (test U1)."""
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import RegularGridInterpolator

import spbe
from spbe.beliefs import BeliefGrid, simplex_lattice, update_agent_belief

from conftest import random_belief, random_game, random_strategy

GRIDS = [((2, 2), 7), ((3,), 5), ((2, 3), (4, 3)), ((4,), 3), ((3, 2, 2), (3, 2, 4)), ((1, 3), 4)]


@pytest.mark.parametrize("m, n", [(1, 4), (2, 10), (3, 6), (4, 5)])
def test_simplex_lattice_size_and_points(m, n):
    pts = simplex_lattice(m, n)
    assert pts.shape == (comb(n + m - 1, m - 1), m)
    np.testing.assert_allclose(pts.sum(axis=1), 1.0, atol=1e-15)
    assert pts.min() >= 0
    # vertices of the simplex are nodes
    for v in np.eye(m):
        assert np.any(np.all(np.isclose(pts, v), axis=1))


@pytest.mark.parametrize("n_types, res", GRIDS)
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_interpolation_exact_at_nodes(n_types, res, backend, rng):
    grid = BeliefGrid(n_types, res)
    values = rng.normal(size=(grid.n_nodes, 3))
    nodes = grid.nodes()
    got = grid.interpolate_many(values, nodes, backend=backend)
    np.testing.assert_allclose(got, values, atol=1e-13)
    for k in rng.choice(grid.n_nodes, size=min(5, grid.n_nodes), replace=False):
        assert grid.locate(grid.belief(k)) == k


@pytest.mark.parametrize("n_types, res", GRIDS)
def test_interpolation_weights_and_affine_reproduction(n_types, res, rng):
    grid = BeliefGrid(n_types, res)
    nodes = grid.nodes()
    coef = rng.normal(size=nodes.shape[1:])
    affine = 0.7 + (nodes * coef).sum(axis=(1, 2))       # an affine function of the belief
    for _ in range(30):
        b = [rng.dirichlet(np.ones(m)) for m in n_types]
        idx, w = grid.stencil(b)
        idx_ref, w_ref = grid.stencil(b, backend="numpy")
        assert np.all(w >= 0) and w.sum() == pytest.approx(1.0, abs=1e-14)
        np.testing.assert_array_equal(np.sort(idx), np.sort(idx_ref))
        np.testing.assert_allclose(np.sort(w), np.sort(w_ref), atol=1e-14)
        pb = grid.pad(b)
        assert grid.interpolate(affine, b) == pytest.approx(0.7 + (pb * coef).sum(), abs=1e-12)
        # no overshoot: within the range of the stencil values
        vals = rng.normal(size=grid.n_nodes)
        v = grid.interpolate(vals, b)
        assert vals[idx].min() - 1e-13 <= v <= vals[idx].max() + 1e-13


def test_bilinear_matches_scipy_for_binary_types(rng):
    grid = BeliefGrid((2, 2), 9)
    values = rng.normal(size=grid.n_nodes)
    axis = np.linspace(0, 1, 10)
    ref = RegularGridInterpolator((axis, axis), values.reshape(10, 10), method="linear")
    pts = rng.uniform(0, 1, (200, 2))
    ours = grid.interpolate_many(values, np.stack([np.stack([pts[:, 0], 1 - pts[:, 0]], 1),
                                                   np.stack([pts[:, 1], 1 - pts[:, 1]], 1)], 1))
    np.testing.assert_allclose(ours, ref(pts), atol=1e-13)


def test_interpolation_is_continuous_across_cells(rng):
    grid = BeliefGrid((3,), 4)
    values = rng.normal(size=grid.n_nodes)
    # cross cell faces of the Kuhn triangulation: x_0 = const, x_2 = const and x_1 - x_2 lines
    for _ in range(50):
        b = rng.dirichlet(np.ones(3))
        b[0] = np.round(b[0] * 4) / 4                     # on a lattice hyperplane
        b[1:] = b[1:] / b[1:].sum() * (1 - b[0])
        eps = 1e-10
        for d in (np.array([eps, -eps, 0]), np.array([0, eps, -eps])):
            lo, hi = b - d, b + d
            if lo.min() < 0 or hi.min() < 0:
                continue
            assert abs(grid.interpolate(values, [hi]) - grid.interpolate(values, [lo])) < 1e-8


def test_vertices_and_faces_are_handled():
    grid = BeliefGrid((3, 2), 5)
    values = np.arange(grid.n_nodes, dtype=float)
    for v in np.eye(3):
        k = grid.locate([v, [1.0, 0.0]])
        assert k is not None
        assert grid.interpolate(values, [v, [1.0, 0.0]]) == pytest.approx(values[k])
    # a point on a face keeps all its weight on that face
    idx, w = grid.stencil([[0.0, 0.37, 0.63], [0.5, 0.5]])
    for node in idx[w > 0]:
        assert grid.belief(int(node))[0][0] == 0.0


def test_interpolate_rejects_wrong_value_shape():
    grid = BeliefGrid((2, 2), 4)
    with pytest.raises(ValueError, match="values: first axis"):
        grid.interpolate(np.zeros(7), [0.5, 0.5])
    with pytest.raises(ValueError, match=r"belief\[0\]"):
        grid.interpolate(np.zeros(grid.n_nodes), [[0.5, 0.6], 0.5])


# --------------------------------------------------------------------- Bayes update (6.7)

def test_bayes_update_static_binary_matches_6_26():
    g = spbe.examples.public_goods(0.5)
    pH, pL, pi = 0.3, 0.9, 0.4
    gamma = ([[1 - pH, pH], [1 - pL, pL]], [[1, 0], [1, 0]])
    up1 = spbe.bayes_update(g, (pi, 0.5), gamma, (1, 0))[0]
    assert up1[0] == pytest.approx(pi * pH / (pi * pH + (1 - pi) * pL), abs=1e-15)
    up0 = spbe.bayes_update(g, (pi, 0.5), gamma, (0, 0))[0]
    assert up0[0] == pytest.approx(pi * (1 - pH) / (pi * (1 - pH) + (1 - pi) * (1 - pL)), abs=1e-15)
    # zero denominator: the belief does not move (static types)
    up2 = spbe.bayes_update(g, (pi, 0.5), gamma, (1, 1))[1]
    np.testing.assert_allclose(up2, [0.5, 0.5])


def _random_kernel_case(data):
    m = data.draw(st.integers(1, 4), label="m")
    k = data.draw(st.integers(1, 3), label="k")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(m))
    if data.draw(st.booleans(), label="zero type"):
        pi[rng.integers(m)] = 0.0
        pi = pi / pi.sum() if pi.sum() > 0 else np.eye(m)[0]
    gamma = rng.dirichlet(np.ones(k), size=m)
    if data.draw(st.booleans(), label="sparse"):
        gamma[rng.random((m, k)) < 0.4] = 0.0
        gamma[gamma.sum(axis=1) == 0, 0] = 1.0
        gamma /= gamma.sum(axis=1, keepdims=True)
    Q = rng.dirichlet(np.ones(m), size=m) if data.draw(st.booleans(), label="markov") else None
    a = int(rng.integers(k))
    return rng, pi, gamma, Q, a


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_update_is_a_distribution(data):
    rng, pi, gamma, Q, a = _random_kernel_case(data)
    out = update_agent_belief(pi, gamma[:, a], Q)
    assert np.all(out >= 0)
    assert out.sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_zero_probability_action_gives_prior_through_kernel(data):
    rng, pi, gamma, Q, a = _random_kernel_case(data)
    gamma[:, a] = 0.0
    m, k = gamma.shape
    if k == 1:
        return
    other = (a + 1) % k
    gamma[:, other] += 1 - gamma.sum(axis=1)
    expected = pi if Q is None else pi @ Q
    np.testing.assert_allclose(update_agent_belief(pi, gamma[:, a], Q), expected, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_relabelling_types_commutes_with_update(data):
    rng, pi, gamma, Q, a = _random_kernel_case(data)
    perm = rng.permutation(len(pi))
    out = update_agent_belief(pi, gamma[:, a], Q)
    Qp = None if Q is None else Q[np.ix_(perm, perm)]
    out_p = update_agent_belief(pi[perm], gamma[perm, a], Qp)
    np.testing.assert_allclose(out_p, out[perm], atol=1e-14)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_numba_update_matches_numpy(data):
    from spbe._kernels.beliefs import update_agent_belief as kernel
    rng, pi, gamma, Q, a = _random_kernel_case(data)
    m = len(pi)
    out = np.empty(m)
    kernel(pi, m, np.ascontiguousarray(gamma[:, a]), np.eye(m) if Q is None else Q, Q is None, False, out)
    np.testing.assert_allclose(out, update_agent_belief(pi, gamma[:, a], Q), atol=1e-14)


def test_update_of_agent_j_ignores_other_agents_prescriptions(rng):
    g = random_game(rng, (2, 3), (2, 2), markov=True)
    belief = random_belief(rng, g.n_types)
    s1 = random_strategy(rng, g.n_types, g.n_actions)
    s2 = [s1[0], random_strategy(rng, g.n_types, g.n_actions)[1]]
    for a in np.ndindex(*g.n_actions):
        np.testing.assert_allclose(spbe.bayes_update(g, belief, s1, a)[0],
                                   spbe.bayes_update(g, belief, s2, a)[0], atol=1e-15)


def test_bayes_update_rejects_bad_actions():
    g = spbe.examples.public_goods(0.5)
    gamma = ([[1, 0], [0, 1]], [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match=r"actions\[1\]"):
        spbe.bayes_update(g, (0.5, 0.5), gamma, (0, 2))
    with pytest.raises(ValueError, match="actions: expected one action per agent"):
        spbe.bayes_update(g, (0.5, 0.5), gamma, (0,))

"""Off-grid stage solves of a symmetric equilibrium: once per mirror pair, mirrored exactly.

The grid solve of an exchange-symmetric game solves canonical nodes and mirrors them
(:class:`spbe.symmetry.SymmetryMap`). Off the grid (``eq.strategy``, the verification's check
beliefs) the same is done with :func:`spbe.symmetry.canonical_beliefs`; measured on the 51 x 51,
δ = 0.95 public-goods solution, the verification's off-grid solves went from 7,842 beliefs and
42 s to 3,891 and 22 s, with the same epsilon.
"""
import dataclasses

import numpy as np
import pytest

import spbe
from spbe.stage import node_solver as node_solver_module
from spbe.symmetry import canonical_beliefs


@pytest.fixture(scope="module")
def eq():
    return spbe.solve(spbe.examples.public_goods(0.5), grid=11, verify=False)


def off_grid_beliefs(rng, n):
    """Pairs (π_1, π_2) off the 11-point grid, with each one's mirror image next to it."""
    p = rng.uniform(0.01, 0.99, size=(n, 2))
    p = np.where(np.abs(p * 10 - np.round(p * 10)) < 1e-3, p + 0.02, p)
    both = np.empty((2 * n, 2))
    both[0::2], both[1::2] = p, p[:, ::-1]
    return np.stack([np.stack([both[:, i], 1 - both[:, i]], axis=-1) for i in range(2)], axis=1)


def test_canonical_beliefs_round_trip_and_labels(rng):
    n, N, M = 40, 3, 2
    base = rng.dirichlet(np.ones(M), size=(n, N))
    base[:5, 1] = base[:5, 0]                        # two agents with equal beliefs
    perms = np.array([rng.permutation(N) for _ in range(n)])
    beliefs = np.concatenate([base, base[np.arange(n)[:, None], perms]])
    canonical, order, inverse, labels = canonical_beliefs(beliefs)
    assert len(canonical) == n                       # each belief and its permutation: one row
    back = np.empty_like(beliefs)
    back[np.arange(2 * n)[:, None], order] = canonical[inverse]
    assert np.array_equal(back, beliefs)
    keys = np.round(canonical, 12)
    assert all(tuple(keys[u, k].tolist()) <= tuple(keys[u, k + 1].tolist()) for u in range(n) for k in range(N - 1))
    equal = np.all(np.abs(np.diff(canonical, axis=1)) <= 1e-12, axis=-1)      # (U, N - 1)
    assert np.array_equal(np.diff(labels, axis=1) == 0, equal)


def test_offgrid_strategies_are_exact_mirror_images(eq, rng):
    assert eq.settings["symmetry"]
    beliefs = off_grid_beliefs(rng, 60)
    played, flags = eq._strategies_padded(beliefs, 0)
    assert np.array_equal(played[1::2], played[0::2][:, ::-1])
    assert np.array_equal(flags[1::2], flags[0::2])
    # and the public accessor agrees
    s = eq.strategy([beliefs[0, 0], beliefs[0, 1]])
    t = eq.strategy([beliefs[1, 0], beliefs[1, 1]])
    assert np.array_equal(s[0], t[1]) and np.array_equal(s[1], t[0])


def test_each_mirror_pair_is_solved_once(eq, rng, monkeypatch):
    seen = []
    original = node_solver_module.NodeSolver.solve

    def counting(self, beliefs, *args, **kwargs):
        seen.append(len(beliefs))
        return original(self, beliefs, *args, **kwargs)

    monkeypatch.setattr(node_solver_module.NodeSolver, "solve", counting)
    fresh = dataclasses.replace(eq)                  # no cached solver from other tests
    fresh._strategies_padded(off_grid_beliefs(rng, 50), 0)
    assert seen == [50]


def test_symmetric_path_agrees_with_the_plain_solve_where_both_are_exact(eq, rng):
    beliefs = off_grid_beliefs(rng, 60)
    sym_played, sym_flags = eq._strategies_padded(beliefs, 0)
    plain = dataclasses.replace(eq, settings=dict(eq.settings, symmetry=False))
    plain_played, plain_flags = plain._strategies_padded(beliefs, 0)
    exact = ~sym_flags & ~plain_flags
    assert exact.sum() >= 100
    assert np.max(np.abs(sym_played[exact] - plain_played[exact])) <= 1e-8


def test_three_agents_every_permutation_maps_back(rng):
    """With 3 agents a cyclic permutation is not its own inverse, so a mapping applied in the
    wrong direction shows here (with 2 agents every order is the identity or a swap)."""
    import itertools
    eq3 = spbe.solve(spbe.examples.threshold_public_goods(0.0, n_agents=3), grid=3, delta=0.0,
                     verify=False)
    assert eq3.settings["symmetry"]
    p = rng.uniform(0.05, 0.95, size=(12, 3))
    p = np.where(np.abs(p * 3 - np.round(p * 3)) < 1e-2, p + 0.03, p)    # off the 4-point grid
    p[:4, 1] = p[:4, 0]                                                   # two agents alike
    perms = list(itertools.permutations(range(3)))
    base = np.stack([p, 1 - p], axis=-1)                                  # (12, 3, 2)
    beliefs = np.concatenate([base[:, list(s)] for s in perms])           # permuted agents
    played, flags = eq3._strategies_padded(beliefs, 0)
    n = len(p)
    reference = played[:n]
    for j, s in enumerate(perms):
        # agent k of the permuted belief is agent s[k] of the original one (to 1e-12: where two
        # agents hold equal beliefs their prescriptions are equal only to rounding, ~3e-16, and
        # the tie in the canonical order may put either one first)
        assert np.max(np.abs(played[j * n:(j + 1) * n] - reference[:, list(s)])) <= 1e-12
        assert np.array_equal(flags[j * n:(j + 1) * n], flags[:n])
    # the strategies are not all alike across agents, so the check has teeth
    assert np.max(np.abs(reference[:, 0] - reference[:, 1])) > 0.1 or np.max(np.abs(reference[:, 1] - reference[:, 2])) > 0.1


def test_result_at_a_belief_does_not_depend_on_the_batch(eq, rng):
    beliefs = off_grid_beliefs(rng, 30)
    together, _ = eq._strategies_padded(beliefs, 0)
    for b in (0, 1, 17, 42):
        alone, _ = eq._strategies_padded(beliefs[b:b + 1], 0)
        assert np.array_equal(alone[0], together[b])

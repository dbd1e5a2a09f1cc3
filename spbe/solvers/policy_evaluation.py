"""Policy evaluation on a belief grid: the value of a fixed stationary prescription map θ.

Used (i) by the policy-iteration hybrid of the infinite-horizon solver (notes §2.6 (c)) and
(ii) by the verification (§2.8 item 4(a)): Theorem 4.3 asks that V equal the value W^{β*} of
the strategy it generates, so the one-shot deviation gains are measured against W, not
against the solver's own V.
"""
from __future__ import annotations

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from .._kernels.backends import kernel_module, run_blocks
from ..stage.node_solver import kernel_context

__all__ = ["evaluate_policy", "node_action_values"]


def node_action_values(game, grid: BeliefGrid, beliefs: np.ndarray, played: np.ndarray,
                       V: ContinuationValue | None, delta: float, backend: str = "numba") -> np.ndarray:
    """U^i(π_b, x, a; γ_b, V) at every belief b (``(B, N, Mx, Kx)``), for played strategies γ_b."""
    action_values_nodes = kernel_module("node_solver", backend).action_values_nodes
    out = np.zeros(played.shape)
    ctx = kernel_context(game, V, delta)
    beliefs, played = np.ascontiguousarray(beliefs), np.ascontiguousarray(played)

    def block(a, b):                    # beliefs a..b-1: disjoint rows of ``out``
        action_values_nodes(ctx, beliefs[a:b], played[a:b], out[a:b])

    run_blocks(block, len(beliefs), backend)
    return out


def evaluate_policy(game, grid: BeliefGrid, played: np.ndarray, delta: float,
                    backend: str = "numba") -> np.ndarray:
    """Values W (``(B, N, Mx)``) of the stationary strategy that plays ``played[b]`` at node b.

    Solves the sparse linear system (I - δ P) W = r exactly (SuperLU); off-grid updated beliefs
    enter through the interpolation weights, as everywhere else in the solver.
    """
    from scipy.sparse import coo_matrix, identity
    from scipy.sparse.linalg import spsolve

    transition_entries = kernel_module("evaluation", backend).transition_entries
    beliefs = grid.nodes()
    played = np.ascontiguousarray(played, dtype=float)
    B, N, Mx, _ = played.shape
    if B != grid.n_nodes:
        raise ValueError(f"played: expected one strategy per grid node ({grid.n_nodes}), got {B}")
    U_reward = node_action_values(game, grid, beliefs, played, None, 0.0, backend)
    r = (played * U_reward).sum(axis=-1).reshape(-1)
    if delta == 0.0:
        return r.reshape(B, N, Mx)
    ctx = kernel_context(game, ContinuationValue.zeros(grid), delta)
    cap = B * game.n_action_profiles * N * Mx * Mx * int(np.prod(grid.n_types))
    rows = np.empty(cap, dtype=np.int64)
    cols = np.empty(cap, dtype=np.int64)
    vals = np.empty(cap)
    n = transition_entries(ctx, beliefs, played, rows, cols, vals)
    size = B * N * Mx
    P = coo_matrix((vals[:n], (rows[:n], cols[:n])), shape=(size, size)).tocsc()
    W = spsolve((identity(size, format="csc") - delta * P), r)
    return np.asarray(W).reshape(B, N, Mx)

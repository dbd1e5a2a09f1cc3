"""Exchange symmetry of agents (notes §2.5, "Symmetry").

In a game that is symmetric under every permutation of the agents (same type and action sets,
R^{σ(i)}(σx, σa) = R^i(x, a), kernels and priors alike), the thesis reports that all solutions it
found are symmetric: ``γ̃^1(·|x)(π_1, π_2) = γ̃^2(·|x)(π_2, π_1)``. The solvers enforce this by solving
only at *canonical* nodes (agents' beliefs in lexicographic order), mirroring to the other
nodes, and, where two agents hold the same belief, accepting only stage solutions that give
them the same prescription.
"""
from __future__ import annotations

import numpy as np

__all__ = ["is_exchange_symmetric", "SymmetryMap", "canonical_beliefs"]


def _transposed(game, i: int, j: int) -> bool:
    N = game.n_agents
    perm = list(range(N))
    perm[i], perm[j] = j, i
    axes = perm + [N + p for p in perm]
    R = game.rewards
    for k in range(N):
        if not np.allclose(R[perm[k]], np.transpose(R[k], axes), atol=1e-12):
            return False
    for k in range(N):
        Qk = game.kernels[k]
        Qp = game.kernels[perm[k]]
        if not np.allclose(Qp, np.transpose(Qk, [0] + [1 + p for p in perm] + [N + 1]), atol=1e-12):
            return False
        if not np.allclose(game.prior[k], game.prior[perm[k]]):
            return False
    return True


def is_exchange_symmetric(game) -> bool:
    """True when the game is invariant under every permutation of its agents."""
    N = game.n_agents
    if N < 2 or len(set(game.n_types)) != 1 or len(set(game.n_actions)) != 1:
        return False
    return all(_transposed(game, 0, j) for j in range(1, N))


class SymmetryMap:
    """Canonical nodes of a grid under agent permutations.

    ``canonical``  (C,) node indices whose beliefs are in lexicographic agent order
    ``source``     (B,) the canonical node of every node
    ``order``      (B, N): agent ``order[b, k]`` at node b plays as agent k at its canonical node
    ``labels``     (C, N): agents with equal labels hold equal beliefs at the canonical node
    """

    def __init__(self, grid):
        nodes = grid.nodes()
        canonical, self.order, inverse, labels = canonical_beliefs(nodes)
        # every canonical belief of a grid is a node of it
        index = {tuple(np.round(nodes[b], 12).ravel()): b for b in range(len(nodes))}
        node_of = np.array([index[tuple(np.round(c, 12).ravel())] for c in canonical], dtype=np.int64)
        self.source = node_of[inverse]
        self.canonical = np.unique(self.source)
        row_of = {int(b): u for u, b in enumerate(node_of)}
        self.labels = labels[[row_of[int(b)] for b in self.canonical]]
        where = {int(b): c for c, b in enumerate(self.canonical)}
        #: (B,) position in ``canonical`` of every node's canonical node
        self.position = np.array([where[int(s)] for s in self.source], dtype=np.int64)

    def expand(self, per_canonical: np.ndarray) -> np.ndarray:
        """Per-agent arrays at canonical nodes (C, N, ...) to all nodes (B, N, ...)."""
        out = np.empty((len(self.source),) + per_canonical.shape[1:], dtype=per_canonical.dtype)
        for b in range(len(self.source)):
            out[b, self.order[b]] = per_canonical[self.position[b]]
        return out

    def permute_case_rows(self, rows: np.ndarray, n_types: tuple) -> np.ndarray:
        """Case rows (per agent-type bitmasks) at canonical nodes, permuted to every node."""
        N = len(n_types)
        m = n_types[0]
        per_agent = rows.reshape(rows.shape[0], N, m)
        return self.expand(per_agent).reshape(len(self.source), N * m)



def canonical_beliefs(beliefs: np.ndarray):
    """Canonical representatives of arbitrary beliefs (B, N, M) under agent permutations.

    The off-grid counterpart of :class:`SymmetryMap`: each belief's agents are put in
    lexicographic order of their beliefs (rounded to 12 decimals), and repeated canonical
    beliefs are kept once. Returns ``(canonical, order, inverse, labels)``:

    ``canonical`` (U, N, M)  the distinct canonical beliefs
    ``order``     (B, N)     agent ``order[b, k]`` of belief b is agent k of its canonical belief
    ``inverse``   (B,)       the row of ``canonical`` of every belief
    ``labels``    (U, N)     agents with equal labels hold equal beliefs (as ``SymmetryMap.labels``)

    A per-agent array ``a`` solved at the canonical beliefs goes back to belief b as
    ``out[b, order[b]] = a[inverse[b]]``.
    """
    beliefs = np.asarray(beliefs, dtype=float)
    B, N, _ = beliefs.shape
    keys = np.round(beliefs, 12)
    order = np.array([sorted(range(N), key=lambda i: tuple(keys[b, i])) for b in range(B)],
                     dtype=np.int64).reshape(B, N)
    sorted_beliefs = beliefs[np.arange(B)[:, None], order]
    _, first, inverse = np.unique(np.round(sorted_beliefs, 12).reshape(B, -1), axis=0,
                                  return_index=True, return_inverse=True)
    canonical = sorted_beliefs[first]
    labels = np.zeros((len(canonical), N), dtype=np.int64)
    for k in range(1, N):
        same = np.all(np.abs(canonical[:, k] - canonical[:, k - 1]) <= 1e-12, axis=1)
        labels[:, k] = labels[:, k - 1] + (~same)
    return canonical, order, np.asarray(inverse, dtype=np.int64).reshape(B), labels

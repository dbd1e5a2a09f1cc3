"""Grids on the space of public beliefs and interpolation of functions on them.

The public belief π = (π^1, ..., π^N) lives in the product of simplices ×_i Δ(𝒳^i)
(thesis ch. 6, (6.3)). Each factor is discretised by the simplex lattice

    S_n(M) = { k / n : k ∈ ℤ^M_{≥0}, Σ_l k_l = n },       |S_n(M)| = C(n + M - 1, M - 1),

which contains the vertices and faces of the simplex (degenerate beliefs are absorbing for
static types, so they must be nodes). For two types S_n(2) is the uniform grid
{0, 1/n, ..., 1} of the first coordinate π^i(x^1) — the thesis' discretisation of [0, 1]^2.

Interpolation is piecewise linear on the Freudenthal (Kuhn) triangulation of each lattice,
tensorised across agents (multilinear for binary types). The weights are non-negative and sum
to one, so the interpolant is exact at the nodes, reproduces affine functions, never
overshoots the stencil values, and is sup-norm non-expansive (implementation notes §2.3).
"""
from __future__ import annotations

from itertools import product
from typing import Sequence

import numpy as np

from .._limits import check_grid
from .._validation import GameValidationError, as_float_array, check_int

__all__ = ["BeliefGrid", "simplex_lattice"]


def simplex_lattice(n_types: int, resolution: int) -> np.ndarray:
    """Points of S_n(M) as an array ``(C(n+M-1, M-1), M)``, in lexicographic order of
    ``(k_0, ..., k_{M-2})``. For M = 2 the i-th point has first coordinate i/n."""
    if n_types < 1:
        raise GameValidationError(f"n_types: must be at least 1, got {n_types}")
    if resolution < 1:
        raise GameValidationError(f"resolution: must be at least 1, got {resolution}")
    if n_types == 1:
        return np.ones((1, 1))
    points = []
    for head in product(range(resolution + 1), repeat=n_types - 1):
        s = sum(head)
        if s <= resolution:
            points.append(head + (resolution - s,))
    return np.array(points, dtype=float) / resolution


def _agent_stencil_reference(pi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pure-numpy Kuhn lookup for one agent: lattice points (as integer vectors) and weights."""
    m = len(pi)
    if m == 1:
        return np.zeros((1, 1), dtype=np.int64), np.ones(1)
    pi = np.clip(pi, 0.0, None)
    pi = pi / pi.sum()
    y = n * pi
    z = np.minimum(np.cumsum(y[::-1])[::-1][1:], float(n))       # z_k = Σ_{l≥k} y_l, k = 1..m-1
    base = np.minimum(np.floor(z), n)
    frac = z - base
    order = np.argsort(-frac, kind="stable")
    verts, weights = [], []
    vert = base.copy()
    sorted_frac = np.concatenate(([1.0], frac[order], [0.0]))
    for step in range(m):
        if step > 0:
            vert[order[step - 1]] += 1
        w = sorted_frac[step] - sorted_frac[step + 1]
        if w > 0:
            cumulative = np.concatenate(([n], vert, [0]))
            verts.append((cumulative[:-1] - cumulative[1:]).astype(np.int64))
            weights.append(w)
    return np.array(verts), np.array(weights)


class BeliefGrid:
    """Product of simplex lattices, one per agent.

    Parameters
    ----------
    n_types : sequence of int
        ``(M_1, ..., M_N)``; or a :class:`~spbe.DynamicGame`.
    resolution : int or sequence of int
        Lattice resolution ``n_i`` per agent (a single int for all). For binary types the
        grid has ``n + 1`` points per agent.

    Nodes are numbered with the last agent varying fastest, so for two binary-type agents
    ``values.reshape(n+1, n+1)[r1, r2]`` is the value at ``(π_1, π_2) = (r1/n, r2/n)``.
    """

    def __init__(self, n_types, resolution):
        if hasattr(n_types, "n_types"):           # a DynamicGame
            n_types = n_types.n_types
        n_types = tuple(check_int(m, "n_types") for m in n_types)
        if not n_types or min(n_types) < 1:
            raise GameValidationError(f"n_types: need at least one agent with >= 1 type, got {n_types}")
        if np.ndim(resolution) == 0:
            resolution = (resolution,) * len(n_types)
        resolution = tuple(check_int(r, "resolution") for r in resolution)
        if len(resolution) != len(n_types):
            raise GameValidationError(
                f"resolution: expected one entry per agent ({len(n_types)}), got {len(resolution)}")
        if min(resolution) < 1:
            raise GameValidationError(f"resolution: every entry must be >= 1, got {resolution}")
        check_grid(n_types, resolution)        # before any lattice or table is built
        self.n_types = n_types
        self.resolution = resolution
        self.lattices = tuple(simplex_lattice(m, n) for m, n in zip(n_types, resolution))
        self.shape = tuple(len(p) for p in self.lattices)
        self.n_nodes = int(np.prod(self.shape))
        # rank tables (lattice point -> rank) in base n+1 over (k_0..k_{M-2})
        tables, offsets = [], []
        start = 0
        for lat, m, n in zip(self.lattices, n_types, resolution):
            size = (n + 1) ** (m - 1) if m > 1 else 1
            table = np.full(size, -1, dtype=np.int64)
            ints = np.rint(lat * n).astype(np.int64)
            for rank, k in enumerate(ints):
                idx = 0
                for c in k[:-1]:
                    idx = idx * (n + 1) + c
                table[idx] = rank
            tables.append(table)
            offsets.append(start)
            start += size
        self._rank_table = np.concatenate(tables)
        self._rank_offset = np.array(offsets, dtype=np.int64)
        strides = np.ones(len(n_types), dtype=np.int64)
        for i in range(len(n_types) - 2, -1, -1):
            strides[i] = strides[i + 1] * self.shape[i + 1]
        self._node_stride = strides
        self._n_types_arr = np.array(n_types, dtype=np.int64)
        self._resolution_arr = np.array(resolution, dtype=np.int64)

    # ---------------------------------------------------------------- basics
    @property
    def n_agents(self) -> int:
        return len(self.n_types)

    @property
    def kernel_data(self) -> tuple:
        """The arrays the numba kernels take (see ``spbe._kernels.beliefs``)."""
        return (self._n_types_arr, self._resolution_arr, self._rank_table, self._rank_offset,
                self._node_stride)

    def __len__(self) -> int:
        return self.n_nodes

    def __repr__(self) -> str:
        return f"BeliefGrid(n_types={self.n_types}, resolution={self.resolution}, nodes={self.n_nodes})"

    def node_ranks(self, node: int) -> tuple[int, ...]:
        return tuple(int(r) for r in np.unravel_index(node, self.shape))

    def belief(self, node: int) -> tuple[np.ndarray, ...]:
        """The belief at a node, as a tuple of per-agent probability vectors."""
        if not 0 <= node < self.n_nodes:
            raise IndexError(f"node: {node} is outside 0..{self.n_nodes - 1}")
        return tuple(self.lattices[i][r].copy() for i, r in enumerate(self.node_ranks(node)))

    def nodes(self) -> np.ndarray:
        """All node beliefs as a padded array ``(n_nodes, N, M_max)``."""
        m_max = max(self.n_types)
        out = np.zeros((self.n_nodes, self.n_agents, m_max))
        for node, ranks in enumerate(product(*(range(s) for s in self.shape))):
            for i, r in enumerate(ranks):
                out[node, i, :self.n_types[i]] = self.lattices[i][r]
        return out

    def pad(self, belief: Sequence) -> np.ndarray:
        """A belief (sequence of per-agent vectors; scalars for binary types) as ``(N, M_max)``."""
        if len(belief) != self.n_agents:
            raise GameValidationError(
                f"belief: expected one vector per agent ({self.n_agents}), got {len(belief)}")
        out = np.zeros((self.n_agents, max(self.n_types)))
        for i, p in enumerate(belief):
            p = as_float_array(p, f"belief[{i}]")
            if p.ndim == 0 and self.n_types[i] == 2:
                p = np.array([float(p), 1.0 - float(p)])
            if p.shape != (self.n_types[i],):
                raise GameValidationError(
                    f"belief[{i}]: expected {self.n_types[i]} probabilities, got shape {p.shape}")
            if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
                raise GameValidationError(f"belief[{i}]: not a probability vector: {p}")
            out[i, :len(p)] = p
        return out

    def locate(self, belief) -> int | None:
        """The node index of ``belief`` if it is a node (within 1e-12), else ``None``."""
        pb = self.pad(belief)
        node = 0
        for i in range(self.n_agents):
            k = pb[i, :self.n_types[i]] * self.resolution[i]
            ki = np.rint(k)
            if np.max(np.abs(k - ki)) > 1e-12 * self.resolution[i]:
                return None
            n = self.resolution[i]
            idx = 0
            for c in ki[:-1].astype(np.int64):
                idx = idx * (n + 1) + c
            node += self._rank_table[self._rank_offset[i] + idx] * self._node_stride[i]
        return int(node)

    def locate_many(self, beliefs) -> np.ndarray:
        """Node index of every padded belief ``(B, N, M_max)`` that is a node (as :meth:`locate`,
        within 1e-12), -1 for the others. Vectorised: no per-belief validation."""
        beliefs = np.asarray(beliefs, dtype=float)
        B = beliefs.shape[0]
        node = np.zeros(B, dtype=np.int64)
        ok = np.ones(B, dtype=bool)
        for i, (m, n) in enumerate(zip(self.n_types, self.resolution)):
            k = beliefs[:, i, :m] * n
            ki = np.rint(k)
            ok &= np.max(np.abs(k - ki), axis=1) <= 1e-12 * n
            ki = np.clip(ki, 0, n).astype(np.int64)
            idx = np.zeros(B, dtype=np.int64)
            for c in range(m - 1):
                idx = idx * (n + 1) + ki[:, c]
            rank = self._rank_table[self._rank_offset[i] + idx]
            ok &= rank >= 0
            node += rank * self._node_stride[i]
        return np.where(ok, node, -1)

    # ---------------------------------------------------------------- interpolation
    def stencil(self, belief, backend: str = "numba") -> tuple[np.ndarray, np.ndarray]:
        """Node indices and non-negative weights (summing to 1) of the interpolant at ``belief``."""
        pb = self.pad(belief)
        if backend == "numpy":
            return self._stencil_reference(pb)
        _check_backend(backend)
        from .._kernels.beliefs import belief_stencil
        size = int(np.prod(self.n_types))
        nodes = np.empty(size, dtype=np.int64)
        weights = np.empty(size)
        count = belief_stencil(pb, *self.kernel_data, nodes, weights)
        return nodes[:count], weights[:count]

    def _stencil_reference(self, pb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per_agent = []
        for i, (m, n) in enumerate(zip(self.n_types, self.resolution)):
            verts, w = _agent_stencil_reference(pb[i, :m], n)
            ranks = []
            for k in verts:
                idx = 0
                for c in k[:-1]:
                    idx = idx * (n + 1) + int(c)
                ranks.append(self._rank_table[self._rank_offset[i] + idx])
            per_agent.append((np.array(ranks), w))
        nodes, weights = [], []
        for combo in product(*(range(len(r)) for r, _ in per_agent)):
            nodes.append(sum(per_agent[i][0][c] * self._node_stride[i] for i, c in enumerate(combo)))
            weights.append(np.prod([per_agent[i][1][c] for i, c in enumerate(combo)]))
        return np.array(nodes, dtype=np.int64), np.array(weights)

    def interpolate(self, values, belief, backend: str = "numba") -> np.ndarray:
        """Value at ``belief`` of the piecewise-linear interpolant of ``values``.

        ``values`` has shape ``(n_nodes, ...)``; the result has the trailing shape.
        """
        values = np.asarray(values, dtype=float)
        if values.shape[:1] != (self.n_nodes,):
            raise GameValidationError(
                f"values: first axis must have one entry per node ({self.n_nodes}), got shape {values.shape}")
        nodes, weights = self.stencil(belief, backend=backend)
        return np.tensordot(weights, values[nodes], axes=(0, 0))

    def interpolate_many(self, values, beliefs, backend: str = "numba") -> np.ndarray:
        """Interpolate at many beliefs given as a padded array ``(B, N, M_max)``."""
        values = np.asarray(values, dtype=float)
        beliefs = np.asarray(beliefs, dtype=float)
        trailing = values.shape[1:]
        flat = np.ascontiguousarray(values.reshape(self.n_nodes, -1))
        if backend == "numpy":
            out = np.array([np.tensordot(w, flat[n], axes=(0, 0))
                            for n, w in (self._stencil_reference(b) for b in beliefs)])
        else:
            _check_backend(backend)
            from .._kernels.beliefs import interpolate_many
            out = interpolate_many(flat, np.ascontiguousarray(beliefs), *self.kernel_data)
        return out.reshape((len(beliefs),) + trailing)


def _check_backend(backend: str) -> None:
    if backend not in ("numba", "numpy"):
        raise ValueError(f"backend: must be 'numba' or 'numpy', got {backend!r}")

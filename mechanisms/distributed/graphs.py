"""Communication graphs for the distributed mechanisms of thesis ch. 4, and the routing maps
``n(i, r)`` (next hop) and ``d(i, r)`` (distance) that the mechanisms are built from.

Conventions (stated once)
-------------------------
Agents are ``0, ..., N-1``. ``adjacency[i, j]`` is True when the graph has the edge ``i -> j``,
which in the thesis means "agent ``i`` can listen to agent ``j``" (ch. 4 §2). The neighbours
``N(i)`` of ``i`` are its *out*-neighbours ``{j : adjacency[i, j]}``; there are no self-loops.
An undirected graph is a symmetric adjacency matrix.

``d(i, r)`` is the length of a shortest directed path ``i -> r`` (so ``d(i, r) = 1`` iff
``r in N(i)``), and for ``r != i`` the next hop ``n(i, r) in N(i)`` is the first vertex after ``i``
on such a path. The mechanisms only use the recursion (ch. 4 §3.3)

    d(n(i, r), r) = d(i, r) - 1        for r != i, r not in N(i),

and ``n(i, r) = r`` for ``r in N(i)``. Ties between shortest paths are broken by the smallest
index. ``n(i, i)`` is "an arbitrarily chosen neighbour of i" (4.16b): we take the smallest-index
neighbour ``j`` with a reciprocal edge ``j -> i`` (always possible on undirected graphs), else
the smallest-index neighbour (see :func:`self_hops`).

Distances, connectivity and the breadth-first tree come from :mod:`mechanisms.graphs`
(``scipy.sparse.csgraph``), as do the edge sets of the standard families.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import graphs as families
from ..graphs import bfs_tree_edges, hop_distances
from .._arrays import check_integer

__all__ = ["CommunicationGraph", "from_adjacency", "from_edges", "path_graph", "cycle_graph",
           "star_graph", "complete_graph", "grid_graph", "binary_tree", "erdos_renyi",
           "directed_cycle", "shortest_path_distances", "next_hops", "self_hops",
           "spanning_tree"]


@dataclass(frozen=True, eq=False)
class CommunicationGraph:
    """A communication graph with its routing maps (all arrays read-only).

    Attributes
    ----------
    adjacency : ndarray(bool, shape (N, N))
        ``adjacency[i, j]``: agent ``i`` listens to agent ``j``.
    distances : ndarray(int, shape (N, N))
        ``d(i, r)``; ``d(i, i) = 0``.
    next_hop : ndarray(int, shape (N, N))
        ``n(i, r)`` for ``r != i``; the diagonal holds ``n(i, i)`` (see :func:`self_hops`).
    name : str
        A label for plots and records (``"binary-tree-31"``, ...).
    """
    adjacency: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)
    next_hop: np.ndarray = field(repr=False)
    name: str = "graph"

    @property
    def n_agents(self) -> int:
        return self.adjacency.shape[0]

    @property
    def is_undirected(self) -> bool:
        return bool(np.array_equal(self.adjacency, self.adjacency.T))

    @property
    def degrees(self) -> np.ndarray:
        """Out-degrees ``|N(i)|``."""
        return self.adjacency.sum(axis=1)

    @property
    def average_degree(self) -> float:
        return float(self.degrees.mean())

    @property
    def diameter(self) -> int:
        return int(self.distances.max())

    @property
    def n_edges(self) -> int:
        """Number of edges (undirected edges counted once on undirected graphs)."""
        m = int(self.adjacency.sum())
        return m // 2 if self.is_undirected else m

    def neighbours(self, i: int) -> np.ndarray:
        """``N(i)`` in increasing order."""
        return np.flatnonzero(self.adjacency[i])

    def self_hop_distance(self) -> np.ndarray:
        """``e_i = d(n(i, i), i)``: 1 on undirected graphs (see ``mechanisms.distributed`` notes)."""
        idx = np.arange(self.n_agents)
        return self.distances[self.next_hop[idx, idx], idx]

    def __repr__(self):
        kind = "undirected" if self.is_undirected else "directed"
        return (f"CommunicationGraph(name={self.name!r}, N={self.n_agents}, {kind}, "
                f"edges={self.n_edges}, average_degree={self.average_degree:.4g}, "
                f"diameter={self.diameter})")


def _check_adjacency(adjacency, name="adjacency"):
    a = np.asarray(adjacency)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name}: expected a square matrix; got shape {a.shape}")
    if a.shape[0] < 2:
        raise ValueError(f"{name}: expected at least 2 agents; got {a.shape[0]}")
    if a.dtype != bool:
        if not np.all(np.isin(a, (0, 1))):
            raise ValueError(f"{name}: entries must be 0/1 or boolean")
        a = a.astype(bool)
    if np.any(np.diag(a)):
        i = int(np.flatnonzero(np.diag(a))[0])
        raise ValueError(f"{name}: self-loop at agent {i} (agents are not their own neighbours)")
    return np.array(a, dtype=bool, copy=True)


def shortest_path_distances(adjacency) -> np.ndarray:
    """``d(i, r)``, the length of a shortest directed path ``i -> r``
    (:func:`mechanisms.graphs.hop_distances`); ``-1`` where ``r`` cannot be reached from ``i``."""
    return hop_distances(_check_adjacency(adjacency))


def self_hops(adjacency, distances=None) -> np.ndarray:
    """``n(i, i)`` for every ``i``: the smallest-index neighbour with a reciprocal edge, else the
    smallest-index neighbour (then ``d(n(i, i), i) > 1``: see the package notes)."""
    a = _check_adjacency(adjacency)
    out = np.empty(a.shape[0], dtype=np.int64)
    for i in range(a.shape[0]):
        nb = np.flatnonzero(a[i])
        if nb.size == 0:
            raise ValueError(f"adjacency: agent {i} has no neighbour")
        recip = nb[a[nb, i]]
        out[i] = recip[0] if recip.size else nb[0]
    return out


def next_hops(adjacency, distances=None) -> np.ndarray:
    """``n(i, r)`` (smallest-index neighbour ``j`` of ``i`` with ``d(j, r) = d(i, r) - 1``); the
    diagonal holds :func:`self_hops`. Requires a strongly connected graph."""
    a = _check_adjacency(adjacency)
    d = shortest_path_distances(a) if distances is None else np.asarray(distances)
    if np.any(d < 0):
        i, r = map(int, np.argwhere(d < 0)[0])
        raise ValueError(f"adjacency: the graph is not strongly connected (no path {i} -> {r})")
    n = a.shape[0]
    nh = np.empty((n, n), dtype=np.int64)
    for i in range(n):
        nb = np.flatnonzero(a[i])
        for r in range(n):
            if r == i:
                continue
            ok = nb[d[nb, r] == d[i, r] - 1]
            nh[i, r] = ok[0]
    nh[np.arange(n), np.arange(n)] = self_hops(a)
    return nh


def from_adjacency(adjacency, name: str = "graph") -> CommunicationGraph:
    """A :class:`CommunicationGraph` from a 0/1 or boolean matrix (must be strongly connected)."""
    a = _check_adjacency(adjacency)
    d = shortest_path_distances(a)
    if np.any(d < 0):
        i, r = map(int, np.argwhere(d < 0)[0])
        raise ValueError(f"adjacency: the graph is not strongly connected (no path {i} -> {r}); "
                         "ch. 4 §2 assumes a strongly connected graph")
    nh = next_hops(a, d)
    for arr in (a, d, nh):
        arr.setflags(write=False)
    return CommunicationGraph(adjacency=a, distances=d, next_hop=nh, name=str(name))


def from_edges(n_agents: int, edges, *, directed: bool = False, name: str = "graph") -> CommunicationGraph:
    """A graph on ``n_agents`` vertices from ``(i, j)`` pairs (``i -> j``; both ways if undirected)."""
    check_integer("n_agents", n_agents, 2)
    a = np.zeros((n_agents, n_agents), dtype=bool)
    for k, e in enumerate(edges):
        try:
            i, j = (int(v) for v in e)
        except (TypeError, ValueError):
            raise ValueError(f"edges[{k}]: expected a pair of agent indices; got {e!r}") from None
        if not (0 <= i < n_agents and 0 <= j < n_agents) or i == j:
            raise ValueError(f"edges[{k}]: ({i}, {j}) is not an edge between two distinct agents "
                             f"in 0..{n_agents - 1}")
        a[i, j] = True
        if not directed:
            a[j, i] = True
    return from_adjacency(a, name)


def path_graph(n: int) -> CommunicationGraph:
    """The path ``0 - 1 - ... - (n-1)``."""
    return from_edges(n, families.path(n), name=f"path-{n}")


def cycle_graph(n: int) -> CommunicationGraph:
    """The undirected cycle on ``n >= 3`` vertices."""
    return from_edges(n, families.cycle(n), name=f"cycle-{n}")


def directed_cycle(n: int) -> CommunicationGraph:
    """The directed cycle ``i -> i+1 (mod n)``: strongly connected, and no edge is reciprocal."""
    return from_edges(n, families.cycle(n), directed=True, name=f"directed-cycle-{n}")


def star_graph(n: int) -> CommunicationGraph:
    """The star with centre 0 and ``n - 1`` leaves."""
    return from_edges(n, families.star(n), name=f"star-{n}")


def complete_graph(n: int) -> CommunicationGraph:
    return from_edges(n, families.complete(n), name=f"complete-{n}")


def grid_graph(rows: int, cols: int) -> CommunicationGraph:
    """The ``rows x cols`` grid (vertex ``r * cols + c``)."""
    return from_edges(rows * cols, families.grid(rows, cols), name=f"grid-{rows}x{cols}")


def binary_tree(n: int = 31) -> CommunicationGraph:
    """The binary tree in heap order (children of ``i`` are ``2i+1``, ``2i+2``). ``n = 31`` is the
    perfect tree of depth 4 used in ch. 4 §5.2 (average degree 60/31, diameter 8)."""
    n = check_integer("n", n, 2)
    return from_edges(n, [((i - 1) // 2, i) for i in range(1, n)], name=f"binary-tree-{n}")


def erdos_renyi(n: int, p: float, seed=None, *, max_tries: int = 10_000) -> CommunicationGraph:
    """One sample of the Erdős–Rényi graph G(n, p), conditioned on being connected (ch. 4 §5.2:
    "only one connected component"): :func:`mechanisms.graphs.erdos_renyi`.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        The generator is advanced; pass a Generator to share one stream with other draws.
    """
    edges = families.erdos_renyi(n, p, seed, max_tries=max_tries)
    return from_edges(n, edges, name=f"erdos-renyi-{n}-{p:g}")


def spanning_tree(graph: CommunicationGraph, root: int = 0) -> CommunicationGraph:
    """The BFS spanning tree of an undirected connected graph from ``root`` (neighbours visited in
    increasing order), as used by the small-message mechanism of ch. 4 §3.2."""
    if not isinstance(graph, CommunicationGraph):
        raise TypeError(f"graph: expected a CommunicationGraph; got {type(graph).__name__}")
    if not graph.is_undirected:
        raise ValueError("graph: the §3.2 mechanism needs an undirected graph")
    n = graph.n_agents
    if not 0 <= int(root) < n:
        raise ValueError(f"root: expected an agent index in 0..{n - 1}; got {root!r}")
    edges = bfs_tree_edges(graph.adjacency, int(root))
    return from_edges(n, edges, name=f"bfs-tree({graph.name})")

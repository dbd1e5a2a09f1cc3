"""The graph module of the mechanisms layer: graph families as edge arrays, and hop distances,
connectivity and breadth-first trees through ``scipy.sparse.csgraph``.

Every subpackage builds its own graph record on top of these: :class:`mechanisms.distributed.
CommunicationGraph` (thesis ch. 4: routing maps ``n(i, r)``, ``d(i, r)``) and
:class:`mechanisms.cmap.ExchangeNetwork` (seed 000: arcs carrying flows). ``scipy.sparse.csgraph``
is used rather than networkx: the layer needs only unweighted shortest paths, connected components
and a breadth-first order on at most a few hundred vertices, all of which csgraph computes in
compiled code on the adjacency matrices the mechanisms already hold, without a new dependency.

Conventions: vertices ``0..n-1``; an edge array has shape ``(m, 2)`` (int64); ``adjacency[i, j]``
is True for the directed edge ``i -> j`` (an undirected graph is symmetric). Random families take
``seed`` (None, an int or a ``numpy.random.Generator``, which is advanced) and are redrawn until
connected.
"""
from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, issparse
from scipy.sparse import csgraph
from ._arrays import check_integer

__all__ = ["star", "path", "cycle", "complete", "grid", "complete_bipartite", "watts_strogatz",
           "erdos_renyi", "adjacency_from_edges", "hop_distances", "is_connected",
           "bfs_tree_edges"]


def _edges(pairs):
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


# ------------------------------------------------------------------------------- families
def star(n: int) -> np.ndarray:
    """Centre 0 joined to leaves ``1..n-1``."""
    n = check_integer("n", n, 2)
    return _edges([(0, j) for j in range(1, n)])


def path(n: int) -> np.ndarray:
    """``0 - 1 - ... - (n-1)``."""
    n = check_integer("n", n, 2)
    return _edges([(i, i + 1) for i in range(n - 1)])


def cycle(n: int) -> np.ndarray:
    """The cycle ``i - (i+1) mod n`` on ``n >= 3`` vertices (read as directed: ``i -> i+1``)."""
    n = check_integer("n", n, 3)
    return _edges([(i, (i + 1) % n) for i in range(n)])


def complete(n: int) -> np.ndarray:
    n = check_integer("n", n, 2)
    return _edges([(i, j) for i in range(n) for j in range(i + 1, n)])


def grid(rows: int, cols: int) -> np.ndarray:
    """A ``rows x cols`` lattice; vertex ``r * cols + c``."""
    rows = check_integer("rows", rows, 1)
    cols = check_integer("cols", cols, 1)
    if rows * cols < 2:
        raise ValueError("rows, cols: the grid needs at least 2 vertices")
    e = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    e += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return _edges(e)


def complete_bipartite(a: int, b: int) -> np.ndarray:
    """``K_{a,b}``: vertices ``0..a-1`` on one side, ``a..a+b-1`` on the other."""
    a = check_integer("a", a, 1)
    b = check_integer("b", b, 1)
    return _edges([(i, a + j) for i in range(a) for j in range(b)])


def watts_strogatz(n: int, k: int = 4, p: float = 0.3, seed=None, *, max_tries: int = 1000
                   ) -> np.ndarray:
    """Watts-Strogatz small world: a ring where each vertex links to its ``k/2`` nearest neighbours
    on each side, then each edge ``(i, i+d)`` is rewired to ``(i, u)`` with probability ``p``
    (``u`` uniform, avoiding self-loops and duplicates). Redrawn until connected."""
    n = check_integer("n", n, 3)
    k = check_integer("k", k, 2)
    if k % 2 or k >= n:
        raise ValueError(f"k: expected an even number < n = {n}; got {k}")
    if not 0 <= p <= 1:
        raise ValueError(f"p: expected a probability in [0, 1]; got {p!r}")
    rng = np.random.default_rng(seed)
    lattice = [(i, (i + d) % n) for d in range(1, k // 2 + 1) for i in range(n)]
    for _ in range(max_tries):
        adj = {frozenset(e) for e in lattice}
        for i, j in lattice:
            if rng.random() < p:
                u = int(rng.integers(n))
                if u != i and frozenset((i, u)) not in adj:
                    adj.remove(frozenset((i, j)))
                    adj.add(frozenset((i, u)))
        edges = _edges(sorted(tuple(sorted(e)) for e in adj))
        if is_connected(adjacency_from_edges(n, edges)):
            return edges
    raise RuntimeError(f"watts_strogatz: no connected graph in {max_tries} draws (n={n}, k={k}, p={p})")


def erdos_renyi(n: int, p: float, seed=None, *, max_tries: int = 10_000) -> np.ndarray:
    """One sample of the Erdős–Rényi graph G(n, p) conditioned on being connected (redrawn until
    connected; thesis ch. 4 §5.2: "only one connected component"). For a mean degree ``k`` pass
    ``p = k / (n - 1)``."""
    n = check_integer("n", n, 2)
    if not (0 < float(p) <= 1):
        raise ValueError(f"p: expected a probability in (0, 1]; got {p!r}")
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n, 1)
    for _ in range(max_tries):
        keep = rng.random(iu[0].size) < p
        edges = np.stack([iu[0][keep], iu[1][keep]], axis=1).astype(np.int64)
        if edges.size and is_connected(adjacency_from_edges(n, edges)):
            return edges
    raise RuntimeError(f"erdos_renyi: no connected sample of G({n}, {p}) in {max_tries} tries")


# ------------------------------------------------------------------------------- algorithms
def adjacency_from_edges(n: int, edges, *, directed: bool = False) -> np.ndarray:
    """The boolean ``(n, n)`` adjacency of an edge array (both directions unless ``directed``)."""
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    a = np.zeros((n, n), dtype=bool)
    a[e[:, 0], e[:, 1]] = True
    if not directed:
        a[e[:, 1], e[:, 0]] = True
    return a


def _sparse(adjacency):
    return adjacency if issparse(adjacency) else csr_matrix(np.asarray(adjacency, dtype=bool))


def hop_distances(adjacency, sources=None) -> np.ndarray:
    """Length of a shortest directed path ``i -> r`` (``adjacency[i, j]``: edge ``i -> j``), for
    every ``i`` in ``sources`` (default all; one index: a vector) and every ``r``; ``-1`` where
    ``r`` is unreachable. ``adjacency``: a dense array or a scipy sparse matrix.
    ``scipy.sparse.csgraph.shortest_path`` (breadth-first, unweighted)."""
    d = csgraph.shortest_path(_sparse(adjacency), directed=True,
                              unweighted=True, indices=sources)
    out = np.where(np.isfinite(d), d, -1).astype(np.int64)
    return out


def is_connected(adjacency) -> bool:
    """Whether every vertex reaches every other along directed edges (strong connectivity; for a
    symmetric adjacency, connectivity)."""
    n_components = csgraph.connected_components(_sparse(adjacency),
                                                directed=True, connection="strong",
                                                return_labels=False)
    return n_components == 1


def bfs_tree_edges(adjacency, root: int = 0) -> np.ndarray:
    """The edges ``(parent, child)`` of the breadth-first tree from ``root`` (neighbours visited in
    increasing order: ``scipy.sparse.csgraph.breadth_first_order`` on the sorted CSR rows)."""
    order, parent = csgraph.breadth_first_order(_sparse(adjacency),
                                                int(root), directed=True, return_predecessors=True)
    children = order[1:]
    return _edges(np.stack([parent[children], children], axis=1))

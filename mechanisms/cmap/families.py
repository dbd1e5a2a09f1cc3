"""Graph families for the experiments of seed 000, and random endowments and values.

Deterministic families: :func:`star`, :func:`path`, :func:`cycle`, :func:`complete`,
:func:`grid`, :func:`complete_bipartite`. Random families (a ``numpy.random.Generator`` or a seed;
redrawn until connected): :func:`watts_strogatz` and :func:`erdos_renyi`. Each returns the edge
array ``(m, 2)``. :func:`random_exchange_network` draws ``ε, v ~ U[low, high]`` on a family
(the notes' protocol, §3: ``U[0.5, 2]``). :data:`GRAPH_FAMILIES` names them for the reproduction.
"""
from __future__ import annotations

import numpy as np

from ._checks import positive_integer
from .network import ExchangeNetwork

__all__ = ["star", "path", "cycle", "complete", "grid", "complete_bipartite", "watts_strogatz",
           "erdos_renyi", "random_exchange_network", "GRAPH_FAMILIES"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def star(n: int) -> np.ndarray:
    """Centre 0 joined to leaves ``1..n-1``."""
    n = positive_integer("n", n, 2)
    return np.array([(0, j) for j in range(1, n)], dtype=np.int64)


def path(n: int) -> np.ndarray:
    """``0 - 1 - ... - (n-1)``."""
    n = positive_integer("n", n, 2)
    return np.array([(i, i + 1) for i in range(n - 1)], dtype=np.int64)


def cycle(n: int) -> np.ndarray:
    n = positive_integer("n", n, 3)
    return np.array([(i, (i + 1) % n) for i in range(n)], dtype=np.int64)


def complete(n: int) -> np.ndarray:
    n = positive_integer("n", n, 2)
    return np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)


def grid(rows: int, cols: int) -> np.ndarray:
    """A ``rows x cols`` lattice; agent ``r * cols + c``."""
    rows = positive_integer("rows", rows, 1)
    cols = positive_integer("cols", cols, 1)
    if rows * cols < 2:
        raise ValueError("rows, cols: the grid needs at least 2 agents")
    e = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    e += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return np.array(e, dtype=np.int64)


def complete_bipartite(a: int, b: int) -> np.ndarray:
    """``K_{a,b}``: agents ``0..a-1`` on one side, ``a..a+b-1`` on the other."""
    a = positive_integer("a", a, 1)
    b = positive_integer("b", b, 1)
    return np.array([(i, a + j) for i in range(a) for j in range(b)], dtype=np.int64)


def _connected(n, edges):
    parent = list(range(n))

    def find(u):
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u
    for u, v in edges:
        parent[find(u)] = find(v)
    return len({find(u) for u in range(n)}) == 1


def watts_strogatz(n: int, k: int = 4, p: float = 0.3, seed=None, *, max_tries: int = 1000) -> np.ndarray:
    """Watts-Strogatz small world: a ring where each agent links to its ``k/2`` nearest neighbours
    on each side, then each edge ``(i, i+d)`` is rewired to ``(i, u)`` with probability ``p``
    (``u`` uniform, avoiding self-loops and duplicates). Redrawn until connected."""
    n = positive_integer("n", n, 3)
    k = positive_integer("k", k, 2)
    if k % 2 or k >= n:
        raise ValueError(f"k: expected an even number < n = {n}; got {k}")
    if not 0 <= p <= 1:
        raise ValueError(f"p: expected a probability in [0, 1]; got {p!r}")
    rng = _rng(seed)
    lattice = [(i, (i + d) % n) for d in range(1, k // 2 + 1) for i in range(n)]
    for _ in range(max_tries):
        adj = {frozenset(e) for e in lattice}
        for i, j in lattice:
            if rng.random() < p:
                u = int(rng.integers(n))
                if u != i and frozenset((i, u)) not in adj:
                    adj.remove(frozenset((i, j)))
                    adj.add(frozenset((i, u)))
        edges = np.array(sorted(tuple(sorted(e)) for e in adj), dtype=np.int64)
        if _connected(n, edges):
            return edges
    raise RuntimeError(f"watts_strogatz: no connected graph in {max_tries} draws (n={n}, k={k}, p={p})")


def erdos_renyi(n: int, mean_degree: float = 4.0, seed=None, *, max_tries: int = 1000) -> np.ndarray:
    """G(n, q) with ``q = mean_degree / (n - 1)``, redrawn until connected."""
    n = positive_integer("n", n, 2)
    if not 0 < mean_degree <= n - 1:
        raise ValueError(f"mean_degree: expected a number in (0, {n - 1}]; got {mean_degree!r}")
    q = mean_degree / (n - 1)
    rng = _rng(seed)
    iu = np.triu_indices(n, 1)
    for _ in range(max_tries):
        keep = rng.random(iu[0].size) < q
        edges = np.stack([iu[0][keep], iu[1][keep]], axis=1).astype(np.int64)
        if edges.size and _connected(n, edges):
            return edges
    raise RuntimeError(f"erdos_renyi: no connected graph in {max_tries} draws (n={n}, "
                       f"mean_degree={mean_degree})")


def _grid_of(n):
    r = int(np.floor(np.sqrt(n)))
    while n % r:
        r -= 1
    return grid(r, n // r)


def _watts_strogatz_family(n, rng):
    return watts_strogatz(n, min(4, 2 * ((n - 1) // 2)), 0.3, rng)


def _erdos_renyi_family(n, rng):
    return erdos_renyi(n, min(4.0, n - 1.0), rng)


def _grid_family(n, rng):
    return _grid_of(n)


def _star_family(n, rng):
    return star(n)


def _path_family(n, rng):
    return path(n)


GRAPH_FAMILIES = {
    "watts_strogatz": _watts_strogatz_family,
    "erdos_renyi": _erdos_renyi_family,
    "grid": _grid_family,
    "star": _star_family,
    "path": _path_family,
}
"""Family name -> ``edges(n, rng)``: the notes' protocol (WS with k = 4, p = 0.3; connected ER
with mean degree 4 (both capped for ``n <= 4``); the most square grid with ``n`` agents; star; path)."""


def random_exchange_network(family: str, n: int, seed=None, *, low: float = 0.5,
                            high: float = 2.0) -> ExchangeNetwork:
    """A network of the named family with ``ε, v ~ U[low, high]`` i.i.d. (seeded)."""
    if family not in GRAPH_FAMILIES:
        raise ValueError(f"family: expected one of {sorted(GRAPH_FAMILIES)}; got {family!r}")
    if not 0 < low <= high:
        raise ValueError(f"low, high: expected 0 < low <= high; got {low!r}, {high!r}")
    rng = _rng(seed)
    edges = GRAPH_FAMILIES[family](positive_integer("n", n, 3), rng)
    eps = rng.uniform(low, high, n)
    val = rng.uniform(low, high, n)
    return ExchangeNetwork.from_edges(n, edges, eps, val, name=family)

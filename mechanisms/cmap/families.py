"""Graph families for the experiments of seed 000, and random endowments and values.

The families themselves (edge arrays ``(m, 2)``) are those of :mod:`mechanisms.graphs`, re-exported
here: :func:`star`, :func:`path`, :func:`cycle`, :func:`complete`, :func:`grid`,
:func:`complete_bipartite`, and the random :func:`watts_strogatz` and :func:`erdos_renyi`
(``G(n, p)``; the notes' mean degree ``k`` is ``p = k / (n - 1)``). :func:`random_exchange_network` draws ``ε, v ~ U[low, high]`` on a family
(the notes' protocol, §3: ``U[0.5, 2]``). :data:`GRAPH_FAMILIES` names them for the reproduction.
"""
from __future__ import annotations

import numpy as np

from ..graphs import complete, complete_bipartite, cycle, erdos_renyi, grid, path, star, watts_strogatz
from .network import ExchangeNetwork
from .._arrays import check_choice, check_integer

__all__ = ["star", "path", "cycle", "complete", "grid", "complete_bipartite", "watts_strogatz",
           "erdos_renyi", "random_exchange_network", "GRAPH_FAMILIES"]


def _grid_of(n):
    r = int(np.floor(np.sqrt(n)))
    while n % r:
        r -= 1
    return grid(r, n // r)


GRAPH_FAMILIES = {
    "watts_strogatz": lambda n, rng: watts_strogatz(n, min(4, 2 * ((n - 1) // 2)), 0.3, rng),
    "erdos_renyi": lambda n, rng: erdos_renyi(n, min(4.0, n - 1.0) / (n - 1), rng, max_tries=1000),
    "grid": lambda n, rng: _grid_of(n),
    "star": lambda n, rng: star(n),
    "path": lambda n, rng: path(n),
}
"""Family name -> ``edges(n, rng)``: the notes' protocol (WS with k = 4, p = 0.3; connected ER
with mean degree 4 (both capped for ``n <= 4``); the most square grid with ``n`` agents; star; path)."""


def random_exchange_network(family: str, n: int, seed=None, *, low: float = 0.5,
                            high: float = 2.0) -> ExchangeNetwork:
    """A network of the named family with ``ε, v ~ U[low, high]`` i.i.d. (seeded)."""
    check_choice("family", family, GRAPH_FAMILIES)
    if not 0 < low <= high:
        raise ValueError(f"low, high: expected 0 < low <= high; got {low!r}, {high!r}")
    rng = np.random.default_rng(seed)
    edges = GRAPH_FAMILIES[family](check_integer("n", n, 3), rng)
    eps = rng.uniform(low, high, n)
    val = rng.uniform(low, high, n)
    return ExchangeNetwork.from_edges(n, edges, eps, val, name=family)

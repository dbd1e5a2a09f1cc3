"""The worked fixtures of the notes (Seed 000 §4) as named networks (inputs only).

* ``"star"``: centre 0, leaves 1 and 2; ``ε = (1, 1, 1)``, ``v = (1, 1, 3)``.
* ``"path"``: path 0-1-2-3; ``ε = (1, 2, 1, 1)``, ``v = 1``.
* ``"path_unit"``: path 0-1-2-3 with unit data.
* ``"k3"``: the triangle with ``ε = (1, 2, 3)``, ``v = 1`` (slow proportional response).
* ``"k22"``: ``K_{2,2}`` with A = 0, B = 1 on one side and C = 2, D = 3 on the other,
  ``ε = v = 1``; :func:`oscillation_start` gives the start of the period-2 cycle of
  simultaneous CMAP.

The expected answers are in the notes and are checked by the tests, not stored here.
"""
from __future__ import annotations

import numpy as np

from .families import complete, complete_bipartite, path, star
from .flows import flows_from_matrix
from .network import ExchangeNetwork

__all__ = ["notes_network", "oscillation_start", "NOTES_NETWORKS"]

NOTES_NETWORKS = ("star", "path", "path_unit", "k3", "k22")


def notes_network(name: str) -> ExchangeNetwork:
    """The fixture network ``name`` (one of :data:`NOTES_NETWORKS`)."""
    if name == "star":
        return ExchangeNetwork.from_edges(3, star(3), [1, 1, 1], [1, 1, 3], name=name)
    if name == "path":
        return ExchangeNetwork.from_edges(4, path(4), [1, 2, 1, 1], name=name)
    if name == "path_unit":
        return ExchangeNetwork.from_edges(4, path(4), name=name)
    if name == "k3":
        return ExchangeNetwork.from_edges(3, complete(3), [1, 2, 3], name=name)
    if name == "k22":
        return ExchangeNetwork.from_edges(4, complete_bipartite(2, 2), name=name)
    raise ValueError(f"name: expected one of {NOTES_NETWORKS}; got {name!r}")


def oscillation_start(network: ExchangeNetwork | None = None) -> np.ndarray:
    """The notes' start on ``k22``: A sends (0.9 to C, 0.1 to D), B sends (0.8, 0.2), C and D
    split ½/½."""
    network = notes_network("k22") if network is None else network
    X = np.zeros((4, 4))
    X[0, 2], X[0, 3] = 0.9, 0.1
    X[1, 2], X[1, 3] = 0.8, 0.2
    X[2, 0] = X[2, 1] = X[3, 0] = X[3, 1] = 0.5
    return flows_from_matrix(network, X)

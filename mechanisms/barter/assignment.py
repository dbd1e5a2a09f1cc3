"""The centralised benchmark: the optimal assignment of goods to agents (seed 003, §4.2).

With capacity K, max Σ_i u_i over all allocations of the goods equals a maximum-weight
assignment of goods to N K agent *slots*, slot (i, k) valuing good f at s[i, f]: a good beyond
an agent's K best adds nothing, so an optimal allocation never needs more than K goods per agent,
and any K goods in the slots of agent i are its top K. The rectangular (N K) x M problem is
solved by ``scipy.optimize.linear_sum_assignment`` (a Hungarian-type shortest augmenting path
method [2]); the seed used the Hungarian method of Kuhn [1] "because of its simplicity".

Goods left unassigned (more goods than slots) are given to no one in the optimum; they add
nothing to anybody's satisfaction there.

References
----------
.. [1] H. W. Kuhn, "The Hungarian method for the assignment problem", Naval Research
   Logistics Quarterly 2 (1955) 83-97.
.. [2] D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans.
   Aerospace and Electronic Systems 52(4) (2016) 1679-1696.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .economy import Economy

__all__ = ["AssignmentResult", "optimal_assignment", "brute_force_optimum"]


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """The optimal allocation.

    Attributes
    ----------
    total : float        max Σ_i u_i
    level : float        total / (N K), on the scale of the global level of benefit
    owner : ndarray (M,) the agent each good goes to (-1: nobody, or absent from the economy)
    satisfactions : ndarray (N,)
    method, parameters
    """
    total: float
    level: float
    owner: np.ndarray = field(repr=False)
    satisfactions: np.ndarray = field(repr=False)
    method: str = "linear_sum_assignment"
    parameters: dict = field(default_factory=dict)


def optimal_assignment(economy: Economy) -> AssignmentResult:
    """Maximum of Σ_i u_i over all allocations of the economy's goods (its Hungarian optimum).

    Only goods present in the economy (``owner >= 0``) are assigned.
    """
    if not isinstance(economy, Economy):
        raise TypeError(f"economy: expected an Economy; got {type(economy).__name__}")
    s = economy.satisfaction
    n, k = economy.n_agents, economy.capacity
    goods = np.flatnonzero(economy.owner >= 0)
    weights = np.repeat(s[:, goods], k, axis=0)          # row i*k + j is slot j of agent i
    rows, cols = linear_sum_assignment(weights, maximize=True)
    owner = np.full(economy.owner.size, -1, dtype=np.int64)
    owner[goods[cols]] = rows // k
    sat = np.zeros(n)
    np.add.at(sat, rows // k, weights[rows, cols])
    total = float(weights[rows, cols].sum())
    for a in (owner, sat):
        a.setflags(write=False)
    return AssignmentResult(total, total / (n * k), owner, sat,
                            parameters={"n_agents": n, "capacity": k, "n_goods": int(goods.size)})


def brute_force_optimum(economy: Economy) -> float:
    """max Σ_i u_i by enumerating all N^M allocations of the goods (tiny economies only; a
    test oracle for :func:`optimal_assignment`)."""
    goods = np.flatnonzero(economy.owner >= 0)
    n, k = economy.n_agents, economy.capacity
    if n ** goods.size > 2_000_000:
        raise ValueError(f"economy: {n}^{goods.size} allocations are too many to enumerate")
    s = economy.satisfaction
    best = -np.inf
    for alloc in itertools.product(range(n), repeat=goods.size):
        total = 0.0
        for i in range(n):
            vals = sorted((s[i, f] for f, a in zip(goods, alloc) if a == i), reverse=True)
            total += sum(vals[:k])
        best = max(best, total)
    return float(best)

"""Proportional response: the "self-maximizing" baseline of seed 000 (Wu & Zhang, STOC 2007).

Each agent splits its surplus in proportion to the value it received from each neighbour in the
previous round (notes, Seed 000 §2.3):

    x_ij(t+1) = ε_i · v_j x_ji(t) / Σ_{k ∈ N_i} v_k x_ki(t).

The rule is simultaneous by construction, needs ``x_ij(0) > 0`` on every arc (an arc at 0 stays at
0), and converges to the market equilibrium of the exchange economy, i.e. to the receipts ``U*``
of the weighted-log program (:mod:`.optimum`); slowly on arcs that carry no flow at ``x*``.
Rounds of every agent are compiled once (``_proportional_response_steps``) and serve both
:func:`~.dynamics.run_strategy` and ``solve_weighted_log(method="proportional_response")``.
"""
from __future__ import annotations

import numba
import numpy as np

from .flows import check_flows, receipts
from .network import ExchangeNetwork

__all__ = ["proportional_response_step"]


@numba.njit(cache=True)
def _proportional_response_agent(agent, x, indptr, heads, reverse, values, endowments, out):
    """Out-flows of ``agent`` (written into ``out``, shape (deg,)); False if it received nothing."""
    lo = indptr[agent]
    d = indptr[agent + 1] - lo
    total = 0.0
    for q in range(d):
        out[q] = values[heads[lo + q]] * x[reverse[lo + q]]  # v_j x_ji
        total += out[q]
    if not total > 0.0:
        return False
    for q in range(d):
        out[q] = endowments[agent] * out[q] / total
    return True


def proportional_response_step(network: ExchangeNetwork, x) -> np.ndarray:
    """One simultaneous proportional-response step of every agent."""
    x = check_flows(network, x)
    U = receipts(network, x)
    if np.any(U <= 0):
        i = int(np.flatnonzero(U <= 0)[0])
        raise ValueError(f"x: agent {i} received nothing, so its proportional response is undefined")
    gift = network.values[network.heads] * x[network.reverse]
    return network.endowments[network.tails] * gift / U[network.tails]


@numba.njit(cache=True)
def _proportional_response_steps(x, indptr, heads, reverse, values, endowments, n_steps):
    """``n_steps`` simultaneous proportional-response steps of every agent, ``x`` updated in place.
    Returns -1, or the first agent that received nothing (``x`` then holds the last full step)."""
    y = np.empty_like(x)
    for _ in range(n_steps):
        for i in range(indptr.size - 1):
            if not _proportional_response_agent(i, x, indptr, heads, reverse, values, endowments,
                                                y[indptr[i]:indptr[i + 1]]):
                return i
        x[:] = y
    return -1

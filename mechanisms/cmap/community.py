"""The k-hop community and the per-agent CMAP program (notes, Seed 000 §2.2).

At round ``t`` agent ``i`` chooses its out-flows to maximise the *community utility*

    CU_i(x) = Σ_{j ∈ C_i^k} w_j log( Σ_{p ∈ N_j} x_pj v_p ),   w_j = ε_j v_j,

over ``Σ_{j ∈ N_i} x_ij = ε_i``, ``x_ij >= 0``, holding every other agent's flows at ``x(t)``
(the poster's program, seed 000 §5). ``C_i^k`` is the set of agents within ``k`` hops of ``i``
(``i`` included).

Only the terms with ``j ∈ N_i`` depend on ``x_i``, since ``i`` sends only to neighbours and never
to itself. For every ``k >= 1`` all of ``N_i`` lies in ``C_i^k``, so the program is the same:
``max Σ_{j ∈ N_i} w_j log(R_{-i,j} + v_i x_ij)`` with ``R_{-i,j} = Σ_{p ∈ N_j, p ≠ i} v_p x_pj``.
"Behaviour is identical for k >= 1" (seed 000 §6) is therefore an identity. For ``k = 0`` the
objective does not depend on ``x_i`` at all and the program is ill-posed; it is rejected.
:func:`cmap_response` nevertheless builds the program from the community it is given, so the
identity is checked by the tests rather than assumed by the code.
"""
from __future__ import annotations

import numba
import numpy as np

from ._checks import community_radius
from .flows import receipts as _receipts
from .network import ExchangeNetwork
from .water_filling import _water_fill

__all__ = ["community", "community_utility", "cmap_response", "program_neighbours"]


def community(network: ExchangeNetwork, agent: int, k: int) -> np.ndarray:
    """``C_i^k``: the agents within ``k >= 1`` hops of ``agent`` (itself included), sorted."""
    k = community_radius(k)
    dist = network.hop_distances(agent)
    return np.flatnonzero((dist >= 0) & (dist <= k))


def community_utility(network: ExchangeNetwork, x, agent: int, k: int = 1) -> float:
    """``CU_i(x) = Σ_{j ∈ C_i^k} w_j log U_j(x)`` (``-inf`` if a member receives nothing)."""
    members = community(network, agent, k)
    U = _receipts(network, x)[members]
    if np.any(U <= 0):
        return -np.inf
    return float(np.dot(network.weights[members], np.log(U)))


def cmap_response(network: ExchangeNetwork, x, agent: int, k: int = 1) -> np.ndarray:
    """Agent ``agent``'s CMAP allocation against the profile ``x``: its new out-flows.

    Builds the k-hop program of the module docstring from the community ``C_i^k`` and solves it in
    closed form (weighted water-filling, :func:`~.water_filling.water_fill`, over the community
    members that ``agent`` sends to, with budget ``w_i = v_i ε_i`` in value units).

    Parameters
    ----------
    network : ExchangeNetwork
    x : ndarray (n_arcs,)
        The current flow profile (not modified).
    agent : int
    k : int
        Community radius, >= 1 (``k = 0`` raises ``ValueError``: the program is ill-posed).

    Returns
    -------
    ndarray (deg_i,)
        ``x_i(t+1)``, aligned with ``network.neighbours(agent)``; it sums to ``ε_i``.
    """
    k = community_radius(k)
    program_neighbours(network, agent, community(network, agent, k))
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.shape != (network.n_arcs,):
        raise ValueError(f"x: expected shape ({network.n_arcs},); got {x.shape}")
    out = np.empty(int(network.degrees[agent]))
    _cmap_agent_flows(int(agent), x, network.indptr, network.heads, network.reverse, network.values,
                      network.weights, out)
    return out


def program_neighbours(network: ExchangeNetwork, agent: int, members) -> np.ndarray:
    """The neighbours of ``agent`` whose terms in ``CU_i`` depend on ``x_i`` (``N_i ∩ C``).

    Raises ``ValueError`` unless that is all of ``N_i``: otherwise the program would not determine
    the flows to the missing neighbours (only possible for ``k = 0``).
    """
    nbrs = network.neighbours(agent)
    inside = np.isin(nbrs, members)
    if not np.all(inside):
        raise ValueError(f"k: neighbours {nbrs[~inside].tolist()} of agent {agent} are outside its "
                         "community, so the CMAP program does not determine the flows to them")
    return nbrs


@numba.njit(cache=True)
def _cmap_agent_flows(agent, x, indptr, heads, reverse, values, weights, out):
    """CMAP out-flows of ``agent`` against ``x`` (n_arcs,); written into ``out`` (deg,).

    ``R_{-i,j} = Σ_{p ∈ N_j, p ≠ i} v_p x_pj`` is summed over ``j``'s incoming arcs (no
    subtraction, so no rounding below 0); then water-filling with budget ``w_i``. Returns the level.
    """
    lo = indptr[agent]
    d = indptr[agent + 1] - lo
    w = np.empty(d)
    R = np.empty(d)
    y = np.empty(d)
    for q in range(d):
        j = heads[lo + q]
        w[q] = weights[j]
        r = 0.0
        for a in range(indptr[j], indptr[j + 1]):  # arcs j -> p; reverse[a] is p -> j
            p = heads[a]
            if p != agent:
                r += values[p] * x[reverse[a]]
        R[q] = r
    level = _water_fill(w, R, weights[agent], y)
    for q in range(d):
        out[q] = y[q] / values[agent]
    return level


@numba.njit(cache=True)
def _cmap_sweeps(x, order, indptr, heads, reverse, values, weights, n_sweeps):
    """``n_sweeps`` rounds of sequential CMAP (agents in ``order``, each seeing the newest flows):
    exact block-coordinate ascent on ``F``. ``x`` (n_arcs,) is updated in place (an agent's
    program never reads its own out-flows)."""
    for _ in range(n_sweeps):
        for i in order:
            _cmap_agent_flows(i, x, indptr, heads, reverse, values, weights, x[indptr[i]:indptr[i + 1]])


@numba.njit(cache=True)
def _cmap_jacobi(x, indptr, heads, reverse, values, weights, out):
    """One round of simultaneous CMAP: every agent's program against ``x``, written into ``out``."""
    for i in range(indptr.size - 1):
        _cmap_agent_flows(i, x, indptr, heads, reverse, values, weights, out[indptr[i]:indptr[i + 1]])

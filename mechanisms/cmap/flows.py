"""Flow profiles on an :class:`~.network.ExchangeNetwork`: feasibility, receipts and the objective.

The feasible set (notes, Seed 000 §1) is the product of scaled simplices
``X = Π_i ε_i Δ(N_i)``: ``x_ij >= 0`` on arcs and ``Σ_{j ∈ N_i} x_ij = ε_i``. The receipts are
``U_j(x) = Σ_{p ∈ N_j} v_p x_pj`` and the objective of the market-level program (§2.1) is the
weighted log ``F(x) = Σ_j w_j log U_j(x)`` with ``w_j = ε_j v_j`` (``-inf`` if some ``U_j = 0``).
"""
from __future__ import annotations

import numpy as np

from .network import ExchangeNetwork

__all__ = ["uniform_split", "check_flows", "receipts", "objective", "flows_matrix", "flows_from_matrix"]


def uniform_split(network: ExchangeNetwork) -> np.ndarray:
    """The start profile ``x_ij = ε_i / deg_i`` (every arc positive, as proportional response needs)."""
    return network.endowments[network.tails] / network.degrees[network.tails]


def check_flows(network: ExchangeNetwork, x, *, name: str = "x", atol: float = 1e-9) -> np.ndarray:
    """``x`` as a float array over arcs, checked to be feasible (non-negative, budgets ``ε``).

    Raises ``ValueError`` naming the argument and the first offending agent.
    """
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected an array of flows over the {network.n_arcs} arcs") from exc
    if a.shape != (network.n_arcs,):
        raise ValueError(f"{name}: expected shape ({network.n_arcs},) (one flow per arc); got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: flows must be finite")
    neg = np.flatnonzero(a < -atol)
    if neg.size:
        arc = int(neg[0])
        raise ValueError(f"{name}: negative flow {a[arc]:.3g} on arc {int(network.tails[arc])}->"
                         f"{int(network.heads[arc])}")
    sent = np.add.reduceat(a, network.indptr[:-1])
    off = np.flatnonzero(np.abs(sent - network.endowments) > atol * (1 + network.endowments))
    if off.size:
        i = int(off[0])
        raise ValueError(f"{name}: agent {i} sends {sent[i]:.12g}, but its surplus is "
                         f"endowments[{i}] = {network.endowments[i]:.12g}")
    return a


def receipts(network: ExchangeNetwork, x) -> np.ndarray:
    """``U_j = Σ_{p ∈ N_j} v_p x_pj`` for every agent ``j`` (value received)."""
    x = np.asarray(x, dtype=np.float64)
    return np.bincount(network.heads, weights=network.values[network.tails] * x,
                       minlength=network.n_agents)


def objective(network: ExchangeNetwork, x=None, *, receipts_=None) -> float:
    """``F(x) = Σ_j w_j log U_j(x)`` (§2.1); ``-inf`` when some agent receives nothing.

    Pass ``receipts_`` instead of ``x`` to evaluate ``F`` at given receipts.
    """
    U = receipts(network, x) if receipts_ is None else np.asarray(receipts_, dtype=np.float64)
    if np.any(U <= 0):
        return -np.inf
    return float(np.dot(network.weights, np.log(U)))


def flows_matrix(network: ExchangeNetwork, x) -> np.ndarray:
    """The dense ``(n, n)`` matrix ``X[i, j] = x_ij`` (zero off the edges)."""
    X = np.zeros((network.n_agents, network.n_agents))
    X[network.tails, network.heads] = np.asarray(x, dtype=np.float64)
    return X


def flows_from_matrix(network: ExchangeNetwork, matrix, *, check: bool = True) -> np.ndarray:
    """Arc flows from a dense matrix ``X[i, j] = x_ij``; entries off the edges must be zero."""
    X = np.asarray(matrix, dtype=np.float64)
    if X.shape != (network.n_agents, network.n_agents):
        raise ValueError(f"matrix: expected shape ({network.n_agents}, {network.n_agents}); got {X.shape}")
    mask = np.zeros_like(X, dtype=bool)
    mask[network.tails, network.heads] = True
    off = np.argwhere(~mask & (X != 0))
    if off.size:
        i, j = (int(v) for v in off[0])
        raise ValueError(f"matrix: flow {X[i, j]} from {i} to {j}, which are not neighbours")
    x = X[network.tails, network.heads].copy()
    return check_flows(network, x, name="matrix") if check else x

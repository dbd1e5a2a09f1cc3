"""The distributed private-goods mechanism with learning guarantees, thesis ch. 4 §3.3 (``M_pvt``).

Messages ``m_i = (y_i, q_i^1, ..., q_i^N)`` per good (shape conventions in :mod:`._proxies`).
With ``hat y_i^(r)`` and ``S_i`` as defined there,

    x_i(m) = y_i - S_i(m)/(N-1) + c/N                                           (4.15)
    t_i(m) = p_i(m_{-i}) (x_i(m) - c/N) + (q_i^i - xi y_i)^2
             + sum_{r in N(i)} (q_i^r - xi y_r)^2
             + sum_{r not in N(i), r != i} (q_i^r - xi q^r_{n(i,r)})^2            (4.16a)
    p_i(m_{-i}) = (hat y_i^(i)(m) + S_i(m)) / delta                              (4.16b)

(the dump prints the last sum of (4.16a) over ``r in N(i)``; the first-order condition (4.42b)
needs ``r not in N(i)``). With ``K`` goods every good has its own copy of the message, allocation
and tax, and ``t_i = sum_k t_i^k`` (4.19)-(4.23).

Best response (4.62)-(4.63), with the ``-c/N`` the thesis drops:
``q_i^w = xi y_i, xi y_w, xi q^w_{n(i,w)}`` and
``y_i = (grad v_i)^{-1}(p_i) + S_i/(N-1) - c/N``.

The unique equilibrium (4.44)-(4.48) is ``q_i^r = xi^{D(i,r)} y_r`` with
``y_i = (N-1)/N (x_i* - c/N) + delta lambda*/N`` ((4.48) omits ``c``); there ``x(m) = x*``,
``p_i = lambda*`` and the taxes ``lambda*(x_i* - c/N)`` sum to zero (4.49).
"""
from __future__ import annotations

import numpy as np

from ._proxies import ProxyLayout, ProxyMessages, check_graph, check_xi_delta
from .graphs import CommunicationGraph
from .._arrays import check_integer

__all__ = ["PrivateGoodsMechanism"]


class PrivateGoodsMechanism(ProxyMessages):
    """``M_pvt`` on a strongly connected graph.

    Parameters
    ----------
    graph : CommunicationGraph
    xi : float in (0, 1)
        Contraction parameter (Table 1: ``1 - 1.831e-4`` on the 31-node binary tree).
    delta : float > 0
        Price scale (Table 1: 1005.6). See :func:`mechanisms.distributed.tuning.tune` for both.
    supply : float or array (K,)
        Available amounts ``c_k`` (4.4b).
    n_goods : int, optional
        ``K`` (default: the length of ``supply``). Profiles have shape ``(N, N+1)`` when ``K = 1``
        and ``(N, N+1, K)`` otherwise.
    """
    name = "private-goods"

    def __init__(self, graph: CommunicationGraph, xi: float, delta: float, *, supply=0.0,
                 n_goods: int | None = None):
        self.graph = check_graph(graph)
        if graph.n_agents < 3:
            raise ValueError(f"graph: the private-goods mechanism needs N >= 3 agents (its contraction "
                             f"tuning (4.69) is empty for N = 2); got N = {graph.n_agents}")
        self.xi, self.delta = check_xi_delta(xi, delta)
        c = np.atleast_1d(np.asarray(supply, dtype=np.float64)).ravel()
        if n_goods is None:
            n_goods = c.size
        check_integer("n_goods", n_goods)
        if c.size not in (1, n_goods) or not np.all(np.isfinite(c)):
            raise ValueError(f"supply: expected a finite scalar or {n_goods} values; got {supply!r}")
        self.supply = np.broadcast_to(c, (n_goods,)).copy()
        self.supply.setflags(write=False)
        self.n_goods = int(n_goods)
        self.layout = ProxyLayout(graph, self.xi)

    # ---------------------------------------------------------------- outcome
    def _allocation(self, m3, S):
        return m3[:, 0, :] - S / (self.n_agents - 1) + self.supply / self.n_agents

    def _prices(self, est, S):
        return (est[self.layout.diagonal] + S) / self.delta

    def penalties(self, m):
        """The consistency terms of (4.16a) summed over goods, shape (N,)."""
        return self.layout.penalties(self.check_messages(m))

    def _allocation_and_taxes(self, m3):
        """Allocation and taxes (4.16a), summed over goods (4.22) from a checked (N, N+1, K) profile."""
        est, S = self.layout.estimates(m3)
        x = self._allocation(m3, S)
        p = self._prices(est, S)
        return x, np.einsum("ik,ik->i", p, x - self.supply / self.n_agents) + self.layout.penalties(m3)

    def _best_response(self, m, arrays):
        m3 = self._as3(m)
        est, S = self.layout.estimates(m3)
        p = self._prices(est, S)
        y = arrays.inverse_gradients(p) + S / (self.n_agents - 1) - self.supply / self.n_agents
        return self._respond(m3, y)

    # ---------------------------------------------------------------- equilibrium
    def equilibrium_messages(self, optimum):
        """The unique equilibrium ``m~`` from the optimum (``PrivateOptimum``) (4.44)-(4.48)."""
        x, lam = np.asarray(optimum.x, dtype=np.float64), np.asarray(optimum.prices, dtype=np.float64)
        n, k = self.n_agents, self.n_goods
        if x.shape != (n, k) or lam.shape != (k,):
            raise ValueError(f"optimum: expected x of shape {(n, k)} and prices of shape {(k,)}; "
                             f"got {x.shape} and {lam.shape}")
        if not np.allclose(np.asarray(optimum.supply), self.supply):
            raise ValueError(f"optimum: solved for supply {np.asarray(optimum.supply)}, but the mechanism "
                             f"has supply {self.supply}")
        y = (n - 1) / n * (x - self.supply / n) + self.delta * lam / n
        D = np.where(np.eye(n, dtype=bool), 1, self.graph.distances)
        m3 = np.empty((n, n + 1, k))
        m3[:, 0, :] = y
        m3[:, 1:, :] = np.power(self.xi, D)[:, :, None] * y[None, :, :]
        return self._out(m3)

    def y_row_sums(self, curvatures) -> np.ndarray:
        """Row sums ``rho_i`` of the Jacobian rows of ``y_i`` (4.65) for ``v_i'' = curvatures[i]``
        (one good): ``a/(delta xi^{e_i}) + |1/(N-1) - a/delta| S_i^xi`` with ``a = -1/v_i''``."""
        a = -1.0 / np.asarray(curvatures, dtype=np.float64)
        n = self.n_agents
        w = self.layout.inverse_damping
        s = w.sum(axis=1) - np.diag(w)
        own = np.diag(w)
        return a * own / self.delta + np.abs(1.0 / (n - 1) - a / self.delta) * s

    def __repr__(self):
        return (f"PrivateGoodsMechanism(graph={self.graph.name!r}, N={self.n_agents}, K={self.n_goods}, "
                f"xi=1-{1 - self.xi:.4g}, delta={self.delta:.6g}, supply={self.supply.tolist()})")

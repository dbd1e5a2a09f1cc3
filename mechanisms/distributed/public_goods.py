"""The distributed public-goods (Lindahl) mechanism with learning guarantees, thesis ch. 4 §4
(``M_pub``).

Messages ``m_i = (y_i, q_i^1, ..., q_i^N)`` per feature (layout in :mod:`._proxies`); ``y_i`` is
agent ``i``'s contribution. Every agent has its own allocation function:

    x_i(m) = (y_i + S_i(m)) / N                                                  (4.25)
    t_i(m) = p_i(m_{-i}) x_i(m) + (q_i^i - xi y_i)^2 + sum_{r in N(i)} (q_i^r - xi y_r)^2
             + sum_{r not in N(i), r != i} (q_i^r - xi q^r_{n(i,r)})^2
             + delta/2 (q^i_{n(i,i)} - xi y_i)^2                                  (4.26a)
    p_i(m_{-i}) = delta (N-1) hat y_i^(i)(m) - delta S_i(m)                        (4.26b)

(the fifth tax term, printed on its own line in the dump, belongs to (4.26a); it vanishes at
equilibrium and only serves the contraction of Thm 5.5). ``P`` features: one copy per feature,
``t_i = sum_p t_i^p(m^p)`` ((4.28) prints ``t_i = t_i^p`` "replacing m by m^k").

Best response (4.73)-(4.74): the proxies as for ``M_pvt`` and ``y_i`` the root of

    g(y) = (grad v_i((y + S_i)/N) - p_i)/N + delta xi (q^i_{n(i,i)} - xi y),

strictly decreasing (``g' = v_i''/N^2 - delta xi^2``); quadratic utilities give a linear system.

Equilibrium (4.55)-(4.59): ``q_i^r = xi^{D(i,r)} y_r`` and ``y_i = x* + mu_i*/(delta N)``; then
``x_i(m) = x*`` for every agent, ``p_i = mu_i*`` (summing to zero) and ``t_i = mu_i* x*``
(budget balance (4.60)). Off equilibrium the ``x_i`` differ: the allocation is not feasible.

On directed graphs the thesis's ``q^i_{n(i,i)}/xi`` assumes ``d(n(i,i), i) = 1``; the public
mechanism is only defined here where that holds (``NotImplementedError`` otherwise).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, root

from ._proxies import ProxyLayout, ProxyMessages, check_graph, check_xi_delta
from .graphs import CommunicationGraph
from .._arrays import check_integer

__all__ = ["PublicGoodsMechanism"]


class PublicGoodsMechanism(ProxyMessages):
    """``M_pub`` on a strongly connected graph.

    Parameters
    ----------
    graph : CommunicationGraph
    xi : float in (0, 1)
        Contraction parameter; Thm 5.5 needs ``xi > sqrt((N-1)/N)`` (4.78).
    delta : float > 0
        (Table 1: ``xi = 1 - 2.515e-4``, ``delta = 0.9505`` on the 31-node binary tree.)
    n_features : int
        ``P``; profiles have shape ``(N, N+1)`` for ``P = 1`` and ``(N, N+1, P)`` otherwise.
    """
    name = "public-goods"

    def __init__(self, graph: CommunicationGraph, xi: float, delta: float, *, n_features: int = 1):
        self.graph = check_graph(graph)
        self.xi, self.delta = check_xi_delta(xi, delta)
        check_integer("n_features", n_features)
        self.n_goods = int(n_features)
        self.layout = ProxyLayout(graph, self.xi)
        if np.any(self.layout.self_exponent != 1):
            i = int(np.flatnonzero(self.layout.self_exponent != 1)[0])
            raise NotImplementedError(
                f"graph: agent {i} has no neighbour that listens back (d(n(i,i), i) = "
                f"{self.layout.self_exponent[i]}); (4.26) assumes d(n(i,i), i) = 1")

    @property
    def n_features(self) -> int:
        return self.n_goods

    # ---------------------------------------------------------------- outcome
    def _allocation(self, m3, S):
        return (m3[:, 0, :] + S) / self.n_agents

    def _prices(self, est, S):
        return self.delta * (self.n_agents - 1) * est[self.layout.diagonal] - self.delta * S

    def _fifth_term(self, m3):
        diff = self.layout.neighbour_proxies(m3) - self.xi * m3[:, 0, :]
        return 0.5 * self.delta * np.einsum("ik,ik->i", diff, diff)

    def penalties(self, m):
        """Tax terms 2-5 of (4.26a) (consistency terms and the fifth term), shape (N,)."""
        m3 = self.check_messages(m)
        return self.layout.penalties(m3) + self._fifth_term(m3)

    def _allocation_and_taxes(self, m3):
        """Allocation and taxes (4.26a), summed over features from a checked (N, N+1, K) profile."""
        est, S = self.layout.estimates(m3)
        x = self._allocation(m3, S)
        p = self._prices(est, S)
        return x, np.einsum("ik,ik->i", p, x) + self.layout.penalties(m3) + self._fifth_term(m3)

    def _best_y(self, S, p, qn, arrays):
        n, xi, dl = self.n_agents, self.xi, self.delta
        if arrays.quadratic and self.n_goods == 1:
            tt, sg = arrays.two_theta[:, :, 0], arrays.sigma
            return (-(tt * S / n + sg - p) / n - dl * xi * qn) / (tt / n ** 2 - dl * xi ** 2)
        if arrays.quadratic:
            # (2 Theta/N^2 - delta xi^2 I) y = -(2 Theta S/N + sigma - p)/N - delta xi q_{n(i,i)}
            lhs = arrays.two_theta / n ** 2 - dl * xi ** 2 * np.eye(self.n_goods)[None]
            rhs = -(np.einsum("ikl,il->ik", arrays.two_theta, S) / n + arrays.sigma - p) / n - dl * xi * qn
            return np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
        y = np.empty_like(S)
        for i, u in enumerate(arrays.utilities):
            def g(yy, i=i, u=u):
                yy = np.atleast_1d(yy)
                return (u.gradient((yy + S[i]) / n) - p[i]) / n + dl * xi * (qn[i] - xi * yy)
            if self.n_goods == 1:
                # |g'| >= delta xi^2: the root lies within |g(y0)|/(delta xi^2) of any y0
                y0 = qn[i, 0] / xi
                g0 = g(y0)[0]
                if g0 == 0:
                    y[i] = y0
                    continue
                w = abs(g0) / (dl * xi ** 2) * 1.01 + 1e-12
                y[i, 0] = brentq(lambda t: g(t)[0], y0 - w, y0 + w, xtol=1e-14, rtol=1e-15)
            else:
                def jac(yy, i=i, u=u):
                    return u.hessian((yy + S[i]) / n) / n ** 2 - dl * xi ** 2 * np.eye(self.n_goods)
                y[i] = root(g, qn[i] / xi, jac=jac, tol=1e-14).x
        return y

    def _best_response(self, m, arrays):
        m3 = self._as3(m)
        est, S = self.layout.estimates(m3)
        p = self._prices(est, S)
        qn = self.layout.neighbour_proxies(m3)
        y = self._best_y(S, p, qn, arrays)
        return self._respond(m3, y)

    # ---------------------------------------------------------------- equilibrium
    def equilibrium_messages(self, optimum):
        """The unique equilibrium from the optimum (``PublicOptimum``): ``y_i = x* + mu_i*/(delta N)``,
        ``q_i^r = xi^{D(i,r)} y_r`` (4.55)-(4.59)."""
        x, mu = np.asarray(optimum.x, dtype=np.float64), np.asarray(optimum.prices, dtype=np.float64)
        n, k = self.n_agents, self.n_goods
        if x.shape != (k,) or mu.shape != (n, k):
            raise ValueError(f"optimum: expected x of shape {(k,)} and prices of shape {(n, k)}; "
                             f"got {x.shape} and {mu.shape}")
        y = x[None, :] + mu / (self.delta * n)
        D = np.where(np.eye(n, dtype=bool), 1, self.graph.distances)
        m3 = np.empty((n, n + 1, k))
        m3[:, 0, :] = y
        m3[:, 1:, :] = np.power(self.xi, D)[:, :, None] * y[None, :, :]
        return self._out(m3)

    def y_row_sums(self, curvatures) -> np.ndarray:
        """Row sums of the ``y_i`` rows of the Jacobian (4.76)-(4.77) for ``v_i'' = curvatures[i]``
        (one feature):
        ``(|delta(N-1)/(N xi) - delta xi| + |delta/N + v''/N^2| S_i^xi) / (delta xi^2 - v''/N^2)``."""
        v2 = np.asarray(curvatures, dtype=np.float64)
        n, xi, dl = self.n_agents, self.xi, self.delta
        w = self.layout.inverse_damping
        s = w.sum(axis=1) - np.diag(w)
        num = abs(dl * (n - 1) / (n * xi) - dl * xi) + np.abs(dl / n + v2 / n ** 2) * s
        return num / (dl * xi ** 2 - v2 / n ** 2)

    def __repr__(self):
        return (f"PublicGoodsMechanism(graph={self.graph.name!r}, N={self.n_agents}, P={self.n_goods}, "
                f"xi=1-{1 - self.xi:.4g}, delta={self.delta:.6g})")

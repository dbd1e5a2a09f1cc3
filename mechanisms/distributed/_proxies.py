"""Shared machinery of the two proxy mechanisms of ch. 4 (private goods §3.3, public goods §4).

Message layout
--------------
A profile is an array ``m`` of shape ``(N, N + 1, K)`` (``K`` goods or features; the public
classes expose ``(N, N + 1)`` when ``K = 1``): ``m[i, 0] = y_i`` (demand / contribution) and
``m[i, 1 + r] = q_i^r``, agent ``i``'s proxy for ``y_r`` (``r = i`` included).

Estimates
---------
Agent ``i`` estimates ``y_r`` from the single neighbour ``n(i, r)``,

    hat y_i^(r)(m) = q^r_{n(i,r)} / xi^{D(n(i,r), r)},

with ``D(j, r) = d(j, r)`` for ``j != r`` and ``D(r, r) = 1``: exponent 1 for ``r in N(i)``
(then ``n(i, r) = r``), ``d(i, r) - 1`` for ``r`` further away, and ``e_i = d(n(i, i), i)`` for
``r = i`` (``e_i = 1`` on undirected graphs; the thesis writes ``q^i_{n(i,i)}/xi``, which assumes
it). ``S_i(m) = sum_{r != i} hat y_i^(r)(m)`` is the sum in (4.15), (4.16b), (4.25), (4.26b).

The consistency penalties (the quadratic tax terms 2-4 of (4.16a)/(4.26a)) pull ``q_i^r`` to the
target ``xi * y_i`` (``r = i``), ``xi * y_r`` (``r in N(i)``) or ``xi * q^r_{n(i,r)}`` (others);
at equilibrium ``q_i^r = xi^{D(i,r)} y_r`` (4.44)/(4.55).
"""
from __future__ import annotations

import numpy as np

from .._arrays import check_positive
from .graphs import CommunicationGraph
from ..utilities import BUNDLE, QuadraticUtility, check_utilities


class ProxyLayout:
    """Index arrays for one graph and one ``xi`` (read-only).

    Attributes
    ----------
    next_hop : ndarray(int, (N, N))    ``n(i, r)``; diagonal ``n(i, i)``
    is_neighbour : ndarray(bool, (N, N))
    exponent : ndarray(int, (N, N))    exponent of ``xi`` in ``hat y_i^(r)``
    inverse_damping : ndarray(float, (N, N))   ``xi ** -exponent``
    self_exponent : ndarray(int, (N,)) ``e_i``
    """

    def __init__(self, graph: CommunicationGraph, xi: float):
        n = graph.n_agents
        idx = np.arange(n)
        self.n_agents = n
        self.xi = float(xi)
        self.next_hop = graph.next_hop
        self.is_neighbour = graph.adjacency
        d = graph.distances
        ex = np.where(graph.adjacency, 1, d - 1)
        self.self_exponent = graph.self_hop_distance().astype(np.int64)
        ex[idx, idx] = self.self_exponent
        self.exponent = ex
        self.inverse_damping = np.power(self.xi, -ex.astype(np.float64))
        self.columns = idx[None, :]
        self.diagonal = (idx, idx)
        # rows of m3.reshape(N (N+1), K): y_j is row j (N+1), q_j^r is row j (N+1) + 1 + r
        stride = n + 1
        self.estimate_rows = (self.next_hop * stride + 1 + idx[None, :]).ravel()
        proxy_rows = self.next_hop * stride + 1 + idx[None, :]
        target_rows = np.where(graph.adjacency, idx[None, :] * stride, proxy_rows)
        target_rows[idx, idx] = idx * stride
        self.target_rows = target_rows.ravel()
        self.own_estimate = (idx * n + idx)              # row of hat y_i^(i) in the (N N, K) estimates
        self.damping_column = self.inverse_damping.reshape(-1, 1)
        for a in (self.exponent, self.inverse_damping, self.self_exponent, self.estimate_rows,
                  self.target_rows, self.own_estimate, self.damping_column):
            a.setflags(write=False)

    def estimates(self, m3):
        """``(E, S)``: ``E[i, r] = hat y_i^(r)`` (shape (N, N, K)) and ``S[i] = sum_{r != i} E[i, r]``."""
        n, k = self.n_agents, m3.shape[2]
        flat = m3.reshape(n * (n + 1), k)
        est = (np.take(flat, self.estimate_rows, axis=0) * self.damping_column).reshape(n, n, k)
        own = est[self.diagonal]
        return est, est.sum(axis=1) - own

    def targets(self, m3):
        """Consistency targets ``T[i, r]`` (shape (N, N, K)): ``xi y_i`` (r = i), ``xi y_r``
        (r in N(i)), ``xi q^r_{n(i,r)}`` (others)."""
        n, k = self.n_agents, m3.shape[2]
        flat = m3.reshape(n * (n + 1), k)
        return (self.xi * np.take(flat, self.target_rows, axis=0)).reshape(n, n, k)

    def penalties(self, m3):
        """Sum of the consistency penalties per agent (tax terms 2-4), shape (N,)."""
        diff = m3[:, 1:, :] - self.targets(m3)
        return np.einsum("irk,irk->i", diff, diff)

    def neighbour_proxies(self, m3):
        """``q^i_{n(i,i)}`` for every ``i``, shape (N, K)."""
        idx = np.arange(self.n_agents)
        return m3[self.next_hop[idx, idx], 1 + idx, :]


class UtilityArrays:
    """The utilities of one game, with batched arrays when all are quadratic
    (``two_theta`` (N, K, K), ``two_theta_inv``, ``sigma`` (N, K), ``offset`` (N,))."""

    def __init__(self, utilities, n_agents, dim):
        self.utilities = check_utilities(utilities, n_agents, dim, methods=BUNDLE)
        self.quadratic = all(isinstance(u, QuadraticUtility) for u in self.utilities)
        if self.quadratic:
            self.two_theta = np.array([2.0 * u.theta for u in self.utilities])
            self.two_theta_inv = np.linalg.inv(self.two_theta)
            self.sigma = np.array([u.sigma for u in self.utilities])
            self.offset = np.array([u.offset for u in self.utilities])

    def values(self, x):
        """``v_i(x_i)`` for ``x`` of shape (N, K)."""
        if self.quadratic:
            return (np.einsum("ik,ikl,il->i", x, self.two_theta, x) / 2 + np.einsum("ik,ik->i", self.sigma, x)
                    + self.offset)
        return np.array([u.value(xi) for u, xi in zip(self.utilities, x)])

    def inverse_gradients(self, p):
        """``(grad v_i)^{-1}(p_i)`` for ``p`` of shape (N, K)."""
        if self.quadratic:
            return np.einsum("ikl,il->ik", self.two_theta_inv, p - self.sigma)
        return np.array([u.inverse_gradient(pi) for u, pi in zip(self.utilities, p)])


def check_xi_delta(xi, delta):
    if not (np.isfinite(xi) and 0 < xi < 1):
        raise ValueError(f"xi: expected a contraction parameter in (0, 1); got {xi!r}")
    check_positive("delta", delta)
    return float(xi), float(delta)


def check_graph(graph):
    if not isinstance(graph, CommunicationGraph):
        raise TypeError(f"graph: expected a CommunicationGraph (see mechanisms.distributed.graphs); "
                        f"got {type(graph).__name__}")
    return graph


class InducedGame:
    """The game induced by a mechanism and a utility profile (4.10): ``u_i(m) = v_i(x_i(m)) - t_i(m)``.

    A picklable callable: ``game(m)`` is the joint best response ``beta(m)`` (4.17), which is what
    :func:`mechanisms.repeated_play.repeated_play` (``joint=True``) iterates.
    """

    def __init__(self, mechanism, utilities):
        self.mechanism = mechanism
        self.arrays = UtilityArrays(utilities, mechanism.n_agents, mechanism.n_goods)

    @property
    def utilities(self):
        return self.arrays.utilities

    def best_response(self, m):
        return self.mechanism._best_response(m, self.arrays)

    __call__ = best_response

    def payoffs(self, m):
        """``u_i(m)`` for every agent, shape (N,)."""
        return self.mechanism._payoffs(m, self.arrays)

    def __repr__(self):
        return f"InducedGame({self.mechanism!r}, {len(self.utilities)} utilities)"


class ProxyMessages:
    """Message profile helpers shared by the private- and public-goods mechanisms: every agent
    sends N + 1 blocks of ``n_goods`` numbers (its own entry and one proxy per agent, (4.19)),
    and its outcome reads only its own and its neighbours' messages (Facts 3.2 and 4.1).
    Subclasses set ``graph`` and ``n_goods``."""

    @property
    def n_agents(self) -> int:
        return self.graph.n_agents

    @property
    def message_shape(self) -> tuple:
        n = self.n_agents
        return (n, n + 1) if self.n_goods == 1 else (n, n + 1, self.n_goods)

    @property
    def message_sizes(self) -> np.ndarray:
        """``dim M_i = (N + 1) K`` (K goods or features) for every agent, whatever its degree (4.19)."""
        return np.full(self.n_agents, (self.n_agents + 1) * self.n_goods)

    def dependencies(self, i: int) -> np.ndarray:
        """Agents whose messages enter ``x_i`` and ``t_i``: ``{i} | N(i)`` (Facts 3.2, 4.1)."""
        return np.union1d([i], self.graph.neighbours(i))

    def _as3(self, m):
        """Shape-only check on the hot path of the dynamics (no copy, no finiteness check)."""
        a = np.asarray(m, dtype=np.float64)
        if a.ndim == 2 and self.n_goods == 1 and a.shape == (self.n_agents, self.n_agents + 1):
            return a[:, :, None]
        if a.shape != (self.n_agents, self.n_agents + 1, self.n_goods):
            raise ValueError(f"m: expected a message profile of shape {self.message_shape}; got {a.shape}")
        return a

    def check_messages(self, m) -> np.ndarray:
        """``m`` as a float array of shape (N, N+1, K) (a copy); raises naming ``m``."""
        a = np.asarray(m, dtype=np.float64)
        n, k = self.n_agents, self.n_goods
        if a.shape == (n, n + 1) and k == 1:
            a = a[:, :, None]
        if a.shape != (n, n + 1, k):
            raise ValueError(f"m: expected a message profile of shape {self.message_shape}; got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("m: messages must be finite")
        return a

    def allocation(self, m):
        """``x_i(m)``, shape (N,) or (N, K): (4.15) private, (4.25) public."""
        m3 = self.check_messages(m)
        _, S = self.layout.estimates(m3)
        return self._vec(self._allocation(m3, S))

    def prices(self, m):
        """``p_i(m_{-i})``, shape (N,) or (N, K): (4.16b) private, (4.26b) public."""
        m3 = self.check_messages(m)
        est, S = self.layout.estimates(m3)
        return self._vec(self._prices(est, S))

    def taxes(self, m):
        """``t_i(m)`` summed over goods, shape (N,): (4.16a) and (4.22) private, (4.26a) public."""
        return self._allocation_and_taxes(self.check_messages(m))[1]

    def outcome(self, m):
        """``(allocation, prices, taxes)`` at ``m``."""
        return self.allocation(m), self.prices(m), self.taxes(m)

    def game(self, utilities) -> InducedGame:
        """The induced game (``G_pvt``, ``G_pub``) for ``utilities`` (one per agent, dimension ``K``)."""
        return InducedGame(self, utilities)

    def best_response(self, m, utilities):
        """``beta(m)``: every agent's unique best response to ``m_{-i}`` ((4.62)-(4.63) private,
        (4.73)-(4.74) public)."""
        return self.game(utilities).best_response(m)

    def payoffs(self, m, utilities):
        return self.game(utilities).payoffs(m)

    def _payoffs(self, m, arrays):
        x, t = self._allocation_and_taxes(self.check_messages(m))
        return arrays.values(x) - t

    def _respond(self, m3, y):
        """The best-response profile: entries ``y`` and the proxies ``q_i^w`` read off ``m3``."""
        out = np.empty_like(m3)
        out[:, 1:, :] = self.layout.targets(m3)
        out[:, 0, :] = y
        out[:, 1:, :][self.layout.diagonal] = self.xi * y
        return self._out(out)

    def _out(self, a3):
        return a3[:, :, 0] if self.n_goods == 1 else a3

    def _vec(self, a2):
        return a2[:, 0] if self.n_goods == 1 else a2

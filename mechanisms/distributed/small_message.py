"""The distributed private-goods mechanism with small (summary) messages of thesis ch. 4 §3.2
(``M_sum``): one good, no learning guarantee.

The mechanism runs on a spanning tree ``T`` of an undirected connected communication graph
(:func:`~.graphs.spanning_tree`); ``N(i)``, ``n(i, k)`` are taken on ``T``. ``phi(i)`` is a chosen
neighbour of ``i`` (here the smallest-index one) and ``I_i = {k : phi(k) = i}``.

Message ``m_i = (y_i, (n_i^j)_{j in N(i)}, (q_i^j)_{j in I_i})`` of dimension
``1 + |N(i)| + |I_i|`` (average ``2 + 2(N-1)/N``): ``n_i^j`` stands for the total demand behind
neighbour ``j`` and ``q_i^j`` for neighbour ``j``'s demand. With
``A_ij(m) = y_j + sum_{k in N(j), k != i} n_j^k`` (what ``i`` learns from ``j``),

    x_i(m) = y_i - sum_{j in N(i)} A_ij(m) / (N-1)                                (4.14a)
    t_i(m) = p_i(m_{-i}) x_i(m) + sum_{j in N(i)} (n_i^j - A_ij(m))^2
             + sum_{j in I_i} (q_i^j - y_j)^2                                     (4.14b)
    p_i(m_{-i}) = q^i_{phi(i)} + sum_{j in N(i)} A_ij(m)                          (4.14c)

(the dump prints the inner index of (4.14a-c), (4.33b), (4.35) as ``k in N(i)``; it must be
``k in N(j)``). The thesis has ``c = 0``; ``supply = c != 0`` uses ``x_i + c/N`` and
``p_i (x_i - c/N)`` as in (4.15)-(4.16) (an extension, not in the thesis).

Equilibrium (Thm 3.1): ``y_i = (N-1)/N (x_i* - c/N) + lambda*/N``, ``n_i^j`` = sum of ``y_k`` over
the subtree behind ``j`` (4.34), ``q_i^j = y_j``, ``p_i = lambda*``. The best response
``y_i = (v_i')^{-1}(p_i) + sum_j A_ij/(N-1) - c/N``, ``n_i^j = A_ij``, ``q_i^j = y_j`` is *not*
a contraction (the thesis: "far from contractive"); Cournot play diverges on the 31-node binary
tree (``rho(beta') > 1``; see the tests).

Profiles are tuples of 1-D arrays (one per agent, of the sizes :attr:`message_sizes`).
"""
from __future__ import annotations

import numpy as np

from ._proxies import check_graph
from .graphs import CommunicationGraph
from ..utilities import BUNDLE, QuadraticUtility, check_utilities

__all__ = ["SmallMessageMechanism"]


class SmallMessageMechanism:
    """``M_sum`` on a tree (pass ``spanning_tree(graph)`` for a general connected graph).

    Parameters
    ----------
    tree : CommunicationGraph
        An undirected tree (``N - 1`` edges, connected).
    supply : float
        ``c`` (the thesis's mechanism has ``c = 0``).
    """
    name = "small-message"
    n_goods = 1

    def __init__(self, tree: CommunicationGraph, *, supply: float = 0.0):
        self.graph = check_graph(tree)
        n = tree.n_agents
        if not tree.is_undirected or tree.n_edges != n - 1:
            raise ValueError(f"tree: expected an undirected tree (N - 1 = {n - 1} edges); got "
                             f"{tree.n_edges} edges{'' if tree.is_undirected else ', directed'}; "
                             "use spanning_tree(graph)")
        if not np.isfinite(supply):
            raise ValueError(f"supply: expected a finite number; got {supply!r}")
        self.supply = float(supply)
        self.phi = np.array([tree.neighbours(i)[0] for i in range(n)], dtype=np.int64)
        nbrs = [tree.neighbours(i) for i in range(n)]
        chosen_by = [np.flatnonzero(self.phi == i) for i in range(n)]
        sizes = np.array([1 + len(nb) + len(cb) for nb, cb in zip(nbrs, chosen_by)])
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.message_sizes = sizes
        self.offsets = offsets
        self.y_pos = offsets[:-1].copy()
        # directed tree edges (i, j): position of n_i^j and of n_j^i
        src, dst, npos = [], [], []
        where = {}
        for i in range(n):
            for a, j in enumerate(nbrs[i]):
                src.append(i)
                dst.append(int(j))
                npos.append(offsets[i] + 1 + a)
                where[(i, int(j))] = offsets[i] + 1 + a
        self.edge_src = np.array(src)
        self.edge_dst = np.array(dst)
        self.n_pos = np.array(npos)
        self.rev_pos = np.array([where[(j, i)] for i, j in zip(src, dst)])
        qsrc, qdst, qpos = [], [], []
        for i in range(n):
            for b, j in enumerate(chosen_by[i]):
                qsrc.append(i)
                qdst.append(int(j))
                qpos.append(offsets[i] + 1 + len(nbrs[i]) + b)
        self.q_src, self.q_dst, self.q_pos = np.array(qsrc), np.array(qdst), np.array(qpos)
        # position of q^i_{phi(i)} (in agent phi(i)'s message) for every i
        self.price_proxy_pos = np.empty(n, dtype=np.int64)
        self.price_proxy_pos[self.q_dst] = self.q_pos
        for a in (self.message_sizes, self.offsets, self.y_pos, self.edge_src, self.edge_dst, self.n_pos,
                  self.rev_pos, self.q_src, self.q_dst, self.q_pos, self.price_proxy_pos, self.phi):
            a.setflags(write=False)

    @property
    def n_agents(self) -> int:
        return self.graph.n_agents

    @property
    def dimension(self) -> int:
        """Total message dimension ``sum_i dim M_i`` (``4N - 2`` on any tree)."""
        return int(self.offsets[-1])

    def dependencies(self, i: int) -> np.ndarray:
        """Agents whose messages enter ``x_i`` and ``t_i``: ``{i} | N(i)`` on the tree."""
        return np.union1d([i], self.graph.neighbours(i))

    # ---------------------------------------------------------------- layout
    def flatten(self, m) -> np.ndarray:
        """Profile (tuple of per-agent arrays, or a flat vector) -> flat float vector (a copy)."""
        if isinstance(m, np.ndarray) and m.ndim == 1:
            v = np.array(m, dtype=np.float64)
        else:
            parts = list(m)
            if len(parts) != self.n_agents:
                raise ValueError(f"m: expected {self.n_agents} messages (one per agent); got {len(parts)}")
            for i, (p, s) in enumerate(zip(parts, self.message_sizes)):
                if np.size(p) != s:
                    raise ValueError(f"m[{i}]: expected {s} entries (1 + |N(i)| + |I_i|); got {np.size(p)}")
            v = np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts])
        if v.shape != (self.dimension,):
            raise ValueError(f"m: expected a flat profile of length {self.dimension}; got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError("m: messages must be finite")
        return v

    def split(self, v) -> tuple:
        """Flat vector -> tuple of per-agent messages."""
        v = np.asarray(v, dtype=np.float64)
        return tuple(v[self.offsets[i]:self.offsets[i + 1]].copy() for i in range(self.n_agents))

    # ---------------------------------------------------------------- outcome
    def _aggregates(self, v):
        """``A_e`` for every directed tree edge ``e = (i, j)`` and ``sum_j A_ij`` per agent."""
        nsum = np.bincount(self.edge_src, weights=v[self.n_pos], minlength=self.n_agents)
        a = v[self.y_pos[self.edge_dst]] + nsum[self.edge_dst] - v[self.rev_pos]
        return a, np.bincount(self.edge_src, weights=a, minlength=self.n_agents)

    def _terms(self, v):
        """At the flat profile ``v``: the aggregates, ``x`` (4.14a), ``p`` (4.14c), the quadratic
        penalties and ``t`` (4.14b)."""
        a, total = self._aggregates(v)
        share = self.supply / self.n_agents
        x = v[self.y_pos] - total / (self.n_agents - 1) + share
        p = v[self.price_proxy_pos] + total
        pen = np.bincount(self.edge_src, weights=(v[self.n_pos] - a) ** 2, minlength=self.n_agents)
        pen += np.bincount(self.q_src, weights=(v[self.q_pos] - v[self.y_pos[self.q_dst]]) ** 2,
                           minlength=self.n_agents)
        return a, total, x, p, pen, p * (x - share) + pen

    def allocation(self, m):
        """``x_i(m)`` (4.14a), shape (N,)."""
        return self._terms(self.flatten(m))[2]

    def prices(self, m):
        """``p_i(m_{-i})`` (4.14c), shape (N,)."""
        return self._terms(self.flatten(m))[3]

    def penalties(self, m):
        """The quadratic terms of (4.14b), shape (N,)."""
        return self._terms(self.flatten(m))[4]

    def taxes(self, m):
        """``t_i(m)`` (4.14b), shape (N,)."""
        return self._terms(self.flatten(m))[5]

    def outcome(self, m):
        _, _, x, p, _, t = self._terms(self.flatten(m))
        return x, p, t

    # ---------------------------------------------------------------- game
    def game(self, utilities) -> "SmallMessageGame":
        return SmallMessageGame(self, utilities)

    def best_response(self, m, utilities):
        return self.game(utilities).best_response(m)

    def payoffs(self, m, utilities):
        return self.game(utilities).payoffs(m)

    def equilibrium_messages(self, optimum) -> tuple:
        """The unique equilibrium from a ``PrivateOptimum`` (Thm 3.1 / Appendix 7.1)."""
        x, lam = np.asarray(optimum.x, dtype=np.float64), np.asarray(optimum.prices, dtype=np.float64)
        n = self.n_agents
        if x.shape != (n, 1) or lam.shape != (1,):
            raise ValueError(f"optimum: expected one good for {n} agents; got x of shape {x.shape}")
        if not np.isclose(float(np.asarray(optimum.supply)[0]), self.supply):
            raise ValueError(f"optimum: solved for supply {np.asarray(optimum.supply)}, the mechanism has "
                             f"supply {self.supply}")
        y = (n - 1) / n * (x[:, 0] - self.supply / n) + lam[0] / n
        v = np.empty(self.dimension)
        v[self.y_pos] = y
        nh = self.graph.next_hop
        for e, (i, j) in enumerate(zip(self.edge_src, self.edge_dst)):
            behind = [k for k in range(n) if k != i and nh[i, k] == j]
            v[self.n_pos[e]] = y[behind].sum()
        v[self.q_pos] = y[self.q_dst]
        return self.split(v)

    def __repr__(self):
        return (f"SmallMessageMechanism(tree={self.graph.name!r}, N={self.n_agents}, "
                f"dimension={self.dimension}, supply={self.supply})")


class SmallMessageGame:
    """The game induced by ``M_sum``; ``game(m)`` is the joint best response (a tuple profile)."""

    def __init__(self, mechanism: SmallMessageMechanism, utilities):
        self.mechanism = mechanism
        self.utilities = check_utilities(utilities, mechanism.n_agents, 1, methods=BUNDLE)
        self.quadratic = all(isinstance(u, QuadraticUtility) for u in self.utilities)
        if self.quadratic:
            self.two_theta = np.array([2.0 * float(u.theta[0, 0]) for u in self.utilities])
            self.sigma = np.array([float(u.sigma[0]) for u in self.utilities])

    def _inverse_gradients(self, p):
        if self.quadratic:
            return (p - self.sigma) / self.two_theta
        return np.array([u.inverse_gradient([pi])[0] for u, pi in zip(self.utilities, p)])

    def best_response(self, m):
        mech = self.mechanism
        v = mech.flatten(m)
        a, total, _, p, _, _ = mech._terms(v)
        out = np.empty_like(v)
        n = mech.n_agents
        out[mech.y_pos] = self._inverse_gradients(p) + total / (n - 1) - mech.supply / n
        out[mech.n_pos] = a
        out[mech.q_pos] = v[mech.y_pos[mech.q_dst]]
        if isinstance(m, np.ndarray) and m.ndim == 1:
            return out
        return mech.split(out)

    __call__ = best_response

    def payoffs(self, m):
        mech = self.mechanism
        _, _, x, _, _, t = mech._terms(mech.flatten(m))
        values = np.array([u.value([xi]) for u, xi in zip(self.utilities, x)])
        return values - t

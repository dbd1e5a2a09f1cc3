"""The exchange network of seed 000: agents on a graph who send non-storable surplus to neighbours.

Model (notes, Seed 000 §1). An undirected connected graph ``G = (N, E)`` without self-loops.
Agent ``i`` produces on average ``ε_i > 0`` units of surplus per step, each worth ``v_i > 0`` to
whoever receives it, and sends all of it to its neighbours: ``x_ij >= 0`` on edges only,
``Σ_{j ∈ N_i} x_ij = ε_i``. The value received by ``j`` is ``U_j = Σ_{p ∈ N_j} v_p x_pj`` and its
weight ("market contribution") is ``w_j = ε_j v_j``.

Array conventions (stated once, used by every module of :mod:`mechanisms.cmap`). A flow profile
is one flat float array ``x`` over the *arcs* (directed edges), grouped by sender in CSR order:
agent ``i``'s out-flows are ``x[indptr[i]:indptr[i+1]]``, sent to ``heads[indptr[i]:indptr[i+1]]``
(sorted increasingly). ``tails[a]`` is the sender of arc ``a`` and ``reverse[a]`` the arc in the
opposite direction. Receipts ``U`` and weights ``w`` are arrays over agents.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scipy.sparse import csr_matrix

from ..graphs import hop_distances
from ._checks import positive_vector
from .._arrays import check_integer, read_only

__all__ = ["ExchangeNetwork"]


@dataclass(frozen=True, eq=False)
class ExchangeNetwork:
    """A connected exchange network with endowments ``ε`` and values ``v``.

    Build it with :meth:`from_edges`. All arrays are read-only.

    Attributes
    ----------
    n_agents : int
    edges : ndarray (m, 2) of int
        Undirected edges ``(i, j)`` with ``i < j``, sorted.
    endowments : ndarray (n,)
        ``ε_i > 0``, the average surplus per step.
    values : ndarray (n,)
        ``v_i > 0``, the value of one unit of ``i``'s resource to any receiver.
    indptr, heads, tails, reverse : ndarray of int
        Arc layout (module docstring); ``2 m`` arcs.
    name : str
        A label (the graph family, a fixture name).
    """
    n_agents: int
    edges: np.ndarray = field(repr=False)
    endowments: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    indptr: np.ndarray = field(repr=False)
    heads: np.ndarray = field(repr=False)
    tails: np.ndarray = field(repr=False)
    reverse: np.ndarray = field(repr=False)
    name: str = ""

    @classmethod
    def from_edges(cls, n_agents, edges, endowments=None, values=None, *, name: str = ""):
        """Validate and build a network.

        Parameters
        ----------
        n_agents : int
            Number of agents (>= 2).
        edges : array_like (m, 2) of int
            Undirected edges; each unordered pair at most once, no self-loops. The graph must be
            connected (so no agent is isolated: an isolated agent could not send its surplus).
        endowments, values : array_like (n,), optional
            ``ε`` and ``v`` (default all ones); finite and > 0.
        name : str
        """
        check_integer("n_agents", n_agents, 2)
        n = int(n_agents)
        e = np.asarray(edges)
        if e.size == 0:
            raise ValueError("edges: the graph has no edges (every agent must have a neighbour)")
        if e.ndim != 2 or e.shape[1] != 2:
            raise ValueError(f"edges: expected an array of shape (m, 2); got shape {e.shape}")
        if not np.issubdtype(e.dtype, np.integer):
            if not np.all(np.isfinite(e)) or np.any(e != np.round(e)):
                raise ValueError("edges: expected integer agent indices")
            e = e.astype(np.int64)
        e = e.astype(np.int64)
        if e.min() < 0 or e.max() >= n:
            raise ValueError(f"edges: agent indices must lie in [0, {n - 1}]; got {e.min()}..{e.max()}")
        loops = np.flatnonzero(e[:, 0] == e[:, 1])
        if loops.size:
            raise ValueError(f"edges: self-loop at agent {int(e[loops[0], 0])} (row {int(loops[0])})")
        e = np.sort(e, axis=1)
        order = np.lexsort((e[:, 1], e[:, 0]))
        e = e[order]
        dup = np.flatnonzero(np.all(e[1:] == e[:-1], axis=1))
        if dup.size:
            raise ValueError(f"edges: edge {tuple(int(v) for v in e[dup[0]])} is listed twice")
        eps = np.ones(n) if endowments is None else positive_vector("endowments", endowments, n)
        val = np.ones(n) if values is None else positive_vector("values", values, n)
        # arcs grouped by sender, heads sorted
        tails = np.concatenate([e[:, 0], e[:, 1]])
        heads = np.concatenate([e[:, 1], e[:, 0]])
        order = np.lexsort((heads, tails))
        tails, heads = tails[order], heads[order]
        deg = np.bincount(tails, minlength=n)
        isolated = np.flatnonzero(deg == 0)
        if isolated.size:
            raise ValueError(f"edges: agent {int(isolated[0])} has no neighbour")
        indptr = np.concatenate([[0], np.cumsum(deg)]).astype(np.int64)
        position = {(int(t), int(h)): a for a, (t, h) in enumerate(zip(tails, heads))}
        reverse = np.array([position[(int(h), int(t))] for t, h in zip(tails, heads)], dtype=np.int64)
        net = cls(n_agents=n, edges=read_only(e), endowments=read_only(eps), values=read_only(val),
                  indptr=read_only(indptr), heads=read_only(heads.astype(np.int64)),
                  tails=read_only(tails.astype(np.int64)), reverse=read_only(reverse), name=str(name))
        dist = net.hop_distances(0)
        if np.any(dist < 0):
            raise ValueError(f"edges: the graph is not connected (agent {int(np.flatnonzero(dist < 0)[0])} "
                             "cannot be reached from agent 0)")
        return net

    # ---- derived quantities -------------------------------------------------------------------
    @property
    def n_arcs(self) -> int:
        return int(self.heads.size)

    @property
    def weights(self) -> np.ndarray:
        """``w = ε v`` (the weights of the objective, and each agent's budget in value units)."""
        return read_only(self.endowments * self.values)

    @property
    def degrees(self) -> np.ndarray:
        return read_only(np.diff(self.indptr))

    def neighbours(self, agent: int) -> np.ndarray:
        """``N_i`` in increasing order (the heads of ``i``'s out-arcs)."""
        return self.heads[self.out_arcs(agent)]

    def out_arcs(self, agent: int) -> slice:
        """The slice of ``x`` holding agent ``agent``'s out-flows."""
        i = self._agent(agent)
        return slice(int(self.indptr[i]), int(self.indptr[i + 1]))

    def arc(self, sender: int, receiver: int) -> int:
        """Index of the arc ``sender -> receiver`` (``ValueError`` if they are not neighbours)."""
        s = self.out_arcs(sender)
        k = np.searchsorted(self.heads[s], receiver)
        if k >= s.stop - s.start or self.heads[s.start + k] != receiver:
            raise ValueError(f"receiver: agent {receiver} is not a neighbour of agent {sender}")
        return int(s.start + k)

    def hop_distances(self, agent: int) -> np.ndarray:
        """Hop distance from ``agent`` to every agent (:func:`mechanisms.graphs.hop_distances`;
        -1 if unreachable)."""
        return hop_distances(self._arcs_matrix(), self._agent(agent))

    def _arcs_matrix(self):
        return csr_matrix((np.ones(self.heads.size, dtype=bool), self.heads, self.indptr),
                          shape=(self.n_agents, self.n_agents))

    @property
    def diameter(self) -> int:
        return int(hop_distances(self._arcs_matrix()).max())

    def with_data(self, endowments=None, values=None) -> "ExchangeNetwork":
        """The same graph with other endowments and/or values."""
        return ExchangeNetwork.from_edges(
            self.n_agents, self.edges,
            self.endowments if endowments is None else endowments,
            self.values if values is None else values, name=self.name)

    def _agent(self, agent) -> int:
        if isinstance(agent, bool) or not isinstance(agent, (int, np.integer)) or not 0 <= agent < self.n_agents:
            raise ValueError(f"agent: expected an index in [0, {self.n_agents - 1}]; got {agent!r}")
        return int(agent)

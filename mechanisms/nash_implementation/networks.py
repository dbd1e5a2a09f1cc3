"""Networks as data: unicast links (ch. 1), multicast groups (ch. 2), linear constraints (ch. 3).

Conventions (stated once for the whole subpackage)
--------------------------------------------------
* Agents are numbered ``0 .. N-1`` and constraints (links, rows) ``0 .. L-1``.
* Coefficient matrices have shape ``(L, N)``: row ``l``, column ``i`` holds the coefficient of
  agent ``i`` in constraint ``l``, and ``0`` means "agent ``i`` is not on ``l``". So the thesis
  sets are ``N^l = {i : coefficients[l, i] != 0}`` and ``L_i = {l : coefficients[l, i] != 0}``.
* Capacities have shape ``(L,)``.

Reference: A. Sinha, *Mechanism Design with Allocative, Informational and Learning Constraints*,
PhD thesis, University of Michigan, 2017; ch. 1 (1.2), ch. 2 (CP_0)/(CP), ch. 3 (CP), (C_2a-c).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import read_only

__all__ = ["UnicastNetwork", "MulticastNetwork", "LinearConstraints"]


def _check_matrix(name, coefficients, capacities, *, network=True):
    """Finite ``(L >= 1, N >= 2)`` coefficients and ``(L,)`` capacities; a ``network`` has
    coefficients >= 0 and capacities > 0."""
    A = np.asarray(coefficients, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 1 or A.shape[1] < 2:
        raise ValueError(f"{name}: coefficients must be a 2-d array of shape (L >= 1, N >= 2); "
                         f"got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name}: coefficients must be finite")
    c = np.asarray(capacities, dtype=np.float64)
    if c.shape != (A.shape[0],):
        raise ValueError(f"{name}: capacities must have shape ({A.shape[0]},) to match the "
                         f"coefficient rows; got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError(f"{name}: capacities must be finite")
    if network and np.any(A < 0):
        raise ValueError(f"{name}: coefficients must be >= 0 (alpha^l_j > 0 on the route)")
    if network and np.any(c <= 0):
        l = int(np.flatnonzero(c <= 0)[0])
        raise ValueError(f"{name}: capacities must be > 0; capacities[{l}] = {c[l]}")
    return A, c


def _check_links(name, member, counts=None, what="agents"):
    """Every agent on a row, and at least two ``what`` (``counts``, default agents) on every row."""
    on_links = member.sum(axis=0)
    if np.any(on_links < 1):
        i = int(np.flatnonzero(on_links < 1)[0])
        raise ValueError(f"{name}: every agent must be on at least one constraint; agent {i} is on none")
    counts = member.sum(axis=1) if counts is None else counts
    if np.any(counts < 2):
        l = int(np.flatnonzero(counts < 2)[0])
        raise ValueError(f"{name}: every constraint needs at least 2 {what} (assumption A3/A4); "
                         f"row {l} has {int(counts[l])}")


class _Links:
    """Agents and links of a coefficient matrix ``(L, N)`` (every network of the subpackage)."""

    @property
    def n_agents(self) -> int:
        return self.coefficients.shape[1]

    @property
    def n_links(self) -> int:
        return self.coefficients.shape[0]

    @property
    def membership(self) -> np.ndarray:
        """Boolean ``(L, N)``: ``i in N^l``."""
        return self.coefficients != 0

    def links_of(self, i: int) -> np.ndarray:
        """``L_i`` in ascending order."""
        return np.flatnonzero(self.coefficients[:, i] != 0)


@dataclass(frozen=True, eq=False)
class UnicastNetwork(_Links):
    """Unicast network of ch. 1: ``sum_{j in N^l} alpha^l_j x_j <= c^l`` for every link (1.2c).

    Parameters
    ----------
    coefficients : array_like, shape (L, N)
        ``alpha^l_j > 0`` for agents on link ``l`` and ``0`` elsewhere.
    capacities : array_like, shape (L,)
        ``c^l > 0``.

    Raises
    ------
    ValueError
        Negative coefficients, non-positive capacities, a link with fewer than two agents (A3) or
        an agent on no link.
    """
    coefficients: np.ndarray
    capacities: np.ndarray

    def __post_init__(self):
        A, c = _check_matrix("UnicastNetwork", self.coefficients, self.capacities)
        _check_links("UnicastNetwork", A > 0)
        object.__setattr__(self, "coefficients", read_only(A, np.float64))
        object.__setattr__(self, "capacities", read_only(c, np.float64))



@dataclass(frozen=True, eq=False)
class MulticastNetwork(_Links):
    """Multicast/multirate network of ch. 2:
    ``sum_{k in K^l} max_{i in G^l_k} alpha^l_{ki} x_{ki} <= c^l`` (I_2).

    Parameters
    ----------
    coefficients : array_like, shape (L, N)
        ``alpha^l_{ki} > 0`` for agents on link ``l``, ``0`` elsewhere. Agents are flat-indexed.
    capacities : array_like, shape (L,)
    groups : array_like of int, shape (N,)
        Group (content) label of each agent; agents ``ki`` of group ``k`` share content.

    Notes
    -----
    The within-(group, link) order (2.1) is the agents' index order; predecessor and successor
    are taken cyclically, so with two members each is the other's predecessor and successor.
    """
    coefficients: np.ndarray
    capacities: np.ndarray
    groups: np.ndarray

    def __post_init__(self):
        A, c = _check_matrix("MulticastNetwork", self.coefficients, self.capacities)
        g = np.asarray(self.groups)
        if g.shape != (A.shape[1],) or not np.issubdtype(g.dtype, np.integer):
            raise ValueError(f"MulticastNetwork: groups must be {A.shape[1]} integer labels; got {self.groups!r}")
        labels, g = np.unique(g, return_inverse=True)
        member = A > 0
        K = labels.size
        group_member = np.zeros((A.shape[0], K), dtype=bool)
        for k in range(K):
            group_member[:, k] = member[:, g == k].any(axis=1)
        _check_links("MulticastNetwork", member, group_member.sum(axis=1), "groups")
        object.__setattr__(self, "coefficients", read_only(A, np.float64))
        object.__setattr__(self, "capacities", read_only(c, np.float64))
        g = g.astype(np.int64)
        g.setflags(write=False)
        object.__setattr__(self, "groups", g)
        # predecessor / successor in (group, link), cyclic; -1 for non-members
        L, N = A.shape
        pred = np.full((L, N), -1, dtype=np.int64)
        succ = np.full((L, N), -1, dtype=np.int64)
        size = np.zeros((L, N), dtype=np.int64)
        for l in range(L):
            for k in range(K):
                members = np.flatnonzero(member[l] & (g == k))
                G = members.size
                for rank, i in enumerate(members):
                    pred[l, i] = members[(rank - 1) % G]
                    succ[l, i] = members[(rank + 1) % G]
                    size[l, i] = G
        for name, a in (("_pred", pred), ("_succ", succ), ("_group_size", size),
                        ("_group_member", group_member)):
            a.setflags(write=False)
            object.__setattr__(self, name, a)

    @property
    def n_groups(self) -> int:
        return int(self.groups.max()) + 1

    @property
    def predecessor(self) -> np.ndarray:
        """``(L, N)`` int: the predecessor ``kj`` of ``ki`` in ``G^l_k`` (itself if ``G^l_k = 1``; -1 off-link)."""
        return self._pred

    @property
    def successor(self) -> np.ndarray:
        """``(L, N)`` int: the successor ``ke`` of ``ki`` in ``G^l_k`` (cyclic)."""
        return self._succ

    @property
    def group_sizes(self) -> np.ndarray:
        """``(L, N)`` int: ``G^l_k`` for agent ``ki`` on link ``l`` (0 off-link)."""
        return self._group_size

    @property
    def groups_on_link(self) -> np.ndarray:
        """``(L, K)`` bool: ``k in K^l``."""
        return self._group_member

    def max_form_loads(self, x) -> np.ndarray:
        """``sum_k max_{i in G^l_k} alpha^l_{ki} x_{ki}`` for every link (left side of I_2)."""
        ax = self.coefficients * np.asarray(x, dtype=np.float64)[None, :]
        loads = np.zeros(self.n_links)
        for k in range(self.n_groups):
            loads += np.max(np.where(self.membership[:, self.groups == k],
                                     ax[:, self.groups == k], 0.0), axis=1)
        return loads


@dataclass(frozen=True, eq=False)
class LinearConstraints(_Links):
    """General linear constraints of ch. 3: ``A x <= c``, ``x >= 0``, possibly with equality groups.

    Parameters
    ----------
    A : array_like, shape (L, N)
        Inequality rows (C_2b) in agent coordinates. ``0`` means the agent is not in the row.
    c : array_like, shape (L,)
        ``c_l >= 0`` (A3: ``0`` is feasible).
    equal_groups : sequence of sequences of int, optional
        Localities ``N_k`` whose agents must receive equal allocations (public goods (3.3a),
        local public goods (3.5a)). Each group of size ``G >= 2`` adds the cyclic chain of ``G``
        equality rows ``x_{j_{r+1}} - x_{j_r} <= 0`` (``r = 1..G``, cyclic) with ``c = 0``, which
        take part in taxation only (C_2a). Agents in no group form singleton groups.
    lower_demands : array_like, shape (N,), optional
        ``d_i > 0``: the demand space is ``(d_i, inf)`` (A2). Default ``1e-3``.
    theta : array_like, optional
        The interior point of (3.12): shape ``(N,)`` (non-degenerate) or ``(K,)`` (one per group,
        degenerate). Must satisfy ``0 < theta < d`` and ``A~ theta < c`` strictly.
        Default ``d / 2`` (group-wise minimum of ``d`` over 2 in the degenerate case).

    Attributes
    ----------
    rows, rhs : ndarray
        All constraint rows used for taxation, in agent coordinates: the equality-chain rows
        first, then ``A``. Shapes ``(L_eq + L, N)`` and ``(L_eq + L,)``.
    reduced_A : ndarray, shape (L, K)
        ``A~_{lk} = sum_{i in N_k} A_{li}`` (C_2c).
    """
    A: np.ndarray
    c: np.ndarray
    equal_groups: tuple = ()
    lower_demands: np.ndarray | None = None
    theta: np.ndarray | None = None
    rows: np.ndarray = field(init=False, repr=False)
    rhs: np.ndarray = field(init=False, repr=False)
    group_of: np.ndarray = field(init=False, repr=False)
    reduced_A: np.ndarray = field(init=False, repr=False)
    reduced_theta: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        A, c = _check_matrix("LinearConstraints", self.A, self.c, network=False)
        if np.any(c < 0):
            raise ValueError("LinearConstraints: c must be >= 0 (A3: 0 is feasible)")
        L, N = A.shape
        # groups
        group_of = np.full(N, -1, dtype=np.int64)
        groups = []
        for g in self.equal_groups:
            g = tuple(int(i) for i in g)
            for i in g:
                if not 0 <= i < N:
                    raise ValueError(f"LinearConstraints: equal_groups mentions agent {i}; N = {N}")
                if group_of[i] >= 0:
                    raise ValueError(f"LinearConstraints: agent {i} is in two equal_groups")
                group_of[i] = len(groups)
            groups.append(tuple(sorted(g)))
        # singletons for the agents in no group; groups ordered by lowest member (j_k)
        groups = sorted(groups + [(i,) for i in range(N) if group_of[i] < 0], key=lambda g: g[0])
        for k, g in enumerate(groups):
            group_of[list(g)] = k
        K = len(groups)
        chain = [(g[(r + 1) % len(g)], g[r]) for g in groups if len(g) >= 2 for r in range(len(g))]
        eq = np.zeros((len(chain), N))
        for r, (up, down) in enumerate(chain):
            eq[r, up], eq[r, down] = 1.0, -1.0
        rows = np.vstack([eq, A])
        rhs = np.concatenate([np.zeros(len(chain)), c])
        _check_links("LinearConstraints", rows != 0)
        d = np.full(N, 1e-3) if self.lower_demands is None else np.asarray(self.lower_demands, dtype=np.float64)
        if d.shape != (N,) or np.any(d <= 0):
            raise ValueError(f"LinearConstraints: lower_demands must be {N} values > 0; got {self.lower_demands!r}")
        R = np.zeros((L, K))
        for k, g in enumerate(groups):
            R[:, k] = A[:, list(g)].sum(axis=1)
        d_group = np.array([d[list(g)].min() for g in groups])
        if self.theta is None:
            theta_red = d_group / 2
        else:
            th = np.asarray(self.theta, dtype=np.float64)
            if th.shape == (N,) and K < N:
                th = np.array([th[list(g)].mean() for g in groups])
            if th.shape != (K,):
                raise ValueError(f"LinearConstraints: theta must have shape ({N},) or ({K},); got {th.shape}")
            theta_red = th
        if np.any(theta_red <= 0) or np.any(theta_red >= d_group):
            raise ValueError("LinearConstraints: theta must satisfy 0 < theta < lower_demands (3.12); "
                             f"got theta = {theta_red}, d = {d_group}")
        if np.any(R @ theta_red >= c):
            l = int(np.flatnonzero(R @ theta_red >= c)[0])
            raise ValueError(f"LinearConstraints: theta is not strictly interior (3.12): row {l} has "
                             f"A~ theta = {R[l] @ theta_red} >= c = {c[l]}")
        object.__setattr__(self, "A", read_only(A, np.float64))
        object.__setattr__(self, "c", read_only(c, np.float64))
        object.__setattr__(self, "equal_groups", tuple(g for g in groups if len(g) >= 2))
        object.__setattr__(self, "lower_demands", read_only(d, np.float64))
        object.__setattr__(self, "theta", read_only(theta_red[group_of], np.float64))
        object.__setattr__(self, "rows", read_only(rows, np.float64))
        object.__setattr__(self, "rhs", read_only(rhs, np.float64))
        group_of.setflags(write=False)
        object.__setattr__(self, "group_of", group_of)
        object.__setattr__(self, "reduced_A", read_only(R, np.float64))
        object.__setattr__(self, "reduced_theta", read_only(theta_red, np.float64))
        object.__setattr__(self, "_groups", tuple(groups))

    @property
    def degenerate(self) -> bool:
        return len(self.equal_groups) > 0

    @property
    def groups(self) -> tuple:
        """All groups ``N_k`` (singletons included), ordered by lowest member."""
        return self._groups

    @property
    def coefficients(self) -> np.ndarray:
        """Alias of :attr:`rows` (the matrix the taxes use)."""
        return self.rows

    @property
    def capacities(self) -> np.ndarray:
        return self.rhs

    def equally_spread(self, tol: float = 1e-12) -> bool:
        """True if every inequality row spreads ``A~_{lk}`` equally over ``N_k cap N^l`` (ch. 3 §4.1
        footnote 3), the form the strong-budget-balance rebates (3.26) need."""
        for g in self._groups:
            if len(g) < 2:
                continue
            block = self.A[:, list(g)]
            if np.any(np.abs(block - block[:, :1]) > tol * (1 + np.abs(block[:, :1]))):
                return False
        return True

    def is_feasible(self, x, tol: float = 1e-9) -> bool:
        x = np.asarray(x, dtype=np.float64)
        return bool(np.all(x >= -tol) and np.all(self.rows @ x <= self.rhs + tol * (1 + np.abs(self.rhs))))

"""Chapter 3: a general mechanism for ``max sum_i v_i(x_i)`` s.t. ``A x <= c``, ``x >= 0``.

Agent ``i`` sends ``s_i = (y_i, (p^l_i)_{l in L_i})`` with ``y_i in (d_i, inf)``; layout
``[y_i, p_i^{l_1}, ...]`` over the taxation rows ``L_i`` (equality-chain rows first, then the
inequality rows, as in :attr:`LinearConstraints.rows`).

Allocation (3.12)-(3.17): non-degenerate case ``x = theta + min(1, alpha_0)(y - theta)`` with
``alpha_0 = min_{l: A_l (y - theta) > 0} (c_l - A_l theta) / (A_l (y - theta))`` (``x = y`` when
``y`` is feasible, otherwise the point where the segment ``theta -> y`` leaves the polytope).
Degenerate case (equality groups ``N_k``): ``y~_k`` = mean of the group's demands (3.17), the same
projection in the reduced space (``A~``, ``theta~``), and ``x_i = x~_k``.

Taxes (3.18): ``t^l_i = A_li x_i pbar^l_{-i} + (p^l_i - pbar^l_{-i})^2 + eta pbar^l_{-i} p^l_i
(c_l - A_l x)^2`` (the third term has ``p_i``, not ``p_i - pbar``, and the squared slack: any
``eta > 0`` works for the existence Lemma 4.6).

Budget-balance variants (``budget_balance``):

* ``"weak"``: game 𝔊; ``sum t >= 0`` at equilibrium.
* ``"strong-at-equilibrium"``: game 𝔊' (3.25)-(3.27): ``T^l_i = t^l_i - f^l_i`` with
  ``f^l_i = 1/(N^l-2) sum_{j != i} A_lj y_j (pbar^l_{-i} - p^l_j/(N^l-1))`` if ``N^l >= 3``,
  ``A_lj y_j p^l_j`` if ``N^l = 2`` with non-negative coefficients and ``0`` on equality rows.
  ``sum T = 0`` at every equilibrium with ``y in C`` (Lemma 4.9; degenerate case: ``y~ in C~``
  and equally spread rows). At equilibria with ``y`` outside ``C`` it fails.
* ``"strong-off-equilibrium"``: game 𝔊'' (3.28)-(3.29), needs ``N^l >= 5`` and ``A >= 0``
  (A4'): ``f = f_1 + f_2 + eta f_3`` redistributes every tax term, so ``sum T = 0`` for **every**
  message with ``y in C`` (Lemma 5.1). Individual rationality then needs ``eta`` small (notes'
  instance G5 violates it at ``eta = 1``).

Every ``f^l_i`` depends only on the other agents' messages, so the equilibria of the three games
coincide.
"""
from __future__ import annotations

import numpy as np

from ._mechanism import NashMechanism
from .networks import LinearConstraints

__all__ = ["LinearConstraintMechanism", "linear_allocation", "BUDGET_BALANCE"]

BUDGET_BALANCE = ("weak", "strong-at-equilibrium", "strong-off-equilibrium")


def _project(A, c, theta, y):
    """``(x, s)`` with ``x = theta + s (y - theta)``, ``s = min(1, alpha_0)``."""
    d = A @ (y - theta)
    pos = d > 0
    if not np.any(pos):
        return y.copy(), 1.0
    alpha0 = float(np.min((c[pos] - A[pos] @ theta) / d[pos]))
    s = min(1.0, alpha0)
    return theta + s * (y - theta), s


def linear_allocation(network: LinearConstraints, y):
    """Return ``(x, s)``: the allocation of (3.13)/(3.17) and the shrink factor ``min(1, alpha_0)``."""
    y = np.asarray(y, dtype=np.float64)
    if not network.degenerate:
        return _project(network.A, network.c, network.theta, y)
    K = network.reduced_A.shape[1]
    g = network.group_of
    y_red = np.bincount(g, weights=y, minlength=K) / np.bincount(g, minlength=K)
    x_red, s = _project(network.reduced_A, network.c, network.reduced_theta, y_red)
    return x_red[g], s


class LinearConstraintMechanism(NashMechanism):
    """The ch. 3 mechanism (games 𝔊, 𝔊', 𝔊'').

    Parameters
    ----------
    network : LinearConstraints
    eta : float
        ``eta > 0`` of (3.18); any value supports the constructed equilibrium (Lemma 4.6).
    budget_balance : {"weak", "strong-at-equilibrium", "strong-off-equilibrium"}

    Raises
    ------
    ValueError
        For the strong variants when the rebates are not defined: rows with ``N^l >= 3`` and mixed
        signs, inequality rows not equally spread over an equality group (3.26 footnote), or, for
        ``"strong-off-equilibrium"``, a row with fewer than 5 agents or a negative coefficient (A4').
    """
    chapter = 3

    def __init__(self, network: LinearConstraints, *, eta: float = 0.01, budget_balance: str = "weak"):
        self._bind(network, LinearConstraints, budget_balance, BUDGET_BALANCE, eta=eta)
        R = network.rows
        n_on = (R != 0).sum(axis=1)
        if budget_balance != "weak":
            if not network.equally_spread():
                raise ValueError("network: the strong-budget-balance rebates (3.26) need every inequality "
                                 "row spread equally over each equality group")
            for l in range(R.shape[0]):
                coef = R[l, R[l] != 0]
                if n_on[l] >= 3 and np.any(coef < 0):
                    raise ValueError(f"network: row {l} has {n_on[l]} agents and a negative coefficient; "
                                     "(3.26) is defined only for non-negative rows")
        if budget_balance == "strong-off-equilibrium":
            if network.degenerate or np.any(R < 0) or np.any(n_on < 5):
                l = int(np.argmin(n_on))
                raise ValueError("network: 'strong-off-equilibrium' needs (A4'): no equality groups, "
                                 f"A >= 0 and at least 5 agents per row (row {l} has {n_on[l]})")
        self.name = {"weak": "ch3-wbb", "strong-at-equilibrium": "ch3-sbb-eq",
                     "strong-off-equilibrium": "ch3-sbb-off"}[budget_balance]
        self._n_on = n_on

    @property
    def parameters(self) -> dict:
        return {"eta": self.eta, "budget_balance": self.budget_balance}

    def message_labels(self, i):
        return ["y"] + [f"p[{l}]" for l in self._links[i]]

    def demand_lower_bound(self, i):
        return float(self.network.lower_demands[i])

    def lower_bounds(self, i):
        b = np.zeros(self.message_size(i))
        b[0] = self.network.lower_demands[i]
        return b

    def _allocate(self, y):
        return linear_allocation(self.network, y)

    def _taxes(self, messages, y, alloc):
        x = alloc[0]
        R, c = self.network.rows, self.network.rhs
        member = R != 0
        P = self._price_matrix(messages, 1)
        n_on = self._n_on[:, None]
        pbar = (P.sum(axis=1, keepdims=True) - P) / (n_on - 1)
        slack = c - R @ x
        t_link = R * x[None, :] * pbar + (P - pbar) ** 2 + self.eta * pbar * P * (slack ** 2)[:, None]
        if self.budget_balance != "weak":
            t_link = t_link - self.rebates(P, y)
        return np.where(member, t_link, 0.0).sum(axis=0)

    def rebates(self, P, y) -> np.ndarray:
        """``f^l_i`` of (3.26)-(3.29) as an (L, N) matrix (0 off-row). Depends on ``(y_j, p^l_j)``,
        ``j != i``, only."""
        R, c = self.network.rows, self.network.rhs
        L, N = R.shape
        member = R != 0
        F = np.zeros((L, N))
        ay = R * y[None, :]
        for l in range(L):
            on = np.flatnonzero(member[l])
            n = on.size
            p, a = P[l, on], ay[l, on]
            if n == 2:
                if np.all(R[l, on] > 0):
                    F[l, on] = a[::-1] * p[::-1]
                continue
            # f_1 (3.26): 1/((n-1)(n-2)) sum_{j != i} a_j sum_{k != i, j} p_k
            S_p, S_a, S_ap = p.sum(), a.sum(), (a * p).sum()
            f1 = ((S_a - a) * (S_p - p) - (S_ap - a * p)) / ((n - 1) * (n - 2))
            F[l, on] = f1
            if self.budget_balance == "strong-off-equilibrium":
                F[l, on] += self._f2(p) + self.eta * self._f3(p, a, R[l, on], y[on], c[l])
        return F

    @staticmethod
    def _f2(p):
        """(3.28b): ``N/((N-1)^2 (N-2)) sum_{k>m; k,m != i} (p_k - p_m)^2`` for every i."""
        n = p.size
        out = np.empty(n)
        for i in range(n):
            q = np.delete(p, i)
            # sum_{k>m} (q_k - q_m)^2 = (n-1) sum q^2 - (sum q)^2
            out[i] = (q.size * (q ** 2).sum() - q.sum() ** 2)
        return n / ((n - 1) ** 2 * (n - 2)) * out

    @staticmethod
    def _f3(p, a, coef, y, c):
        """(3.28c)-(3.29): the share of ``sum_j p_j pbar_{-j} (c - sum_k a_k)^2`` given to each agent
        from the monomials that do not involve it (monomial on agent set U shared by N - |U|)."""
        n = p.size
        phi = a ** 2 - 2 * c * a                     # phi(y_k) = A_lk^2 y_k^2 - 2 c A_lk y_k
        out = np.empty(n)
        for i in range(n):
            keep = np.arange(n) != i
            q, b, ph = p[keep], a[keep], phi[keep]
            m = q.size                                   # n - 1
            jq = np.triu_indices(m, 1)
            pp = q[jq[0]] * q[jq[1]]                     # p_j p_q, j > q (pairs of others)
            f3a = 2 * c ** 2 / ((n - 1) * (n - 2)) * pp.sum()
            Phi = ph.sum()
            in_pair = ph[jq[0]] + ph[jq[1]]
            f3b = 2 / (n - 1) * np.sum(pp * ((Phi - in_pair) / (n - 3) + in_pair / (n - 2)))
            Sb = b.sum()
            T = (Sb ** 2 - (b ** 2).sum()) / 2          # sum_{k>s} b_k b_s over others
            bj, bq = b[jq[0]], b[jq[1]]
            touching = bj * (Sb - bj) + bq * (Sb - bq) - bj * bq   # pairs {k,s} meeting {j,q}
            same = bj * bq
            one = touching - same
            disjoint = T - touching
            if n - 4 > 0:
                dis_term = disjoint / (n - 4)
            else:
                dis_term = np.zeros_like(disjoint)
            f3c = 4 / (n - 1) * np.sum(pp * (dis_term + one / (n - 3) + same / (n - 2)))
            out[i] = f3a + f3b + f3c
        return out

    def equilibrium_messages(self, solution, stretch: float = 1.0, demands=None):
        """Lemma 4.6: demands whose allocation is ``x*`` and ``p^l_i = lambda*_l``.

        Default ``y = theta + stretch (x* - theta)`` (``stretch = 1``: ``y = x*``; ``stretch > 1``
        moves ``y`` out of ``C`` along the ray when ``x*`` is on the boundary, still mapping to
        ``x*``). ``demands`` overrides ``y`` (e.g. ``(1, 2, 3)`` for the public good G2).
        """
        if demands is None:
            if not (np.isfinite(stretch) and stretch >= 1):
                raise ValueError(f"stretch: must be >= 1; got {stretch!r}")
            y = self.network.theta + stretch * (solution.x - self.network.theta)
        else:
            y = np.asarray(demands, dtype=float)
        return tuple(np.array([y[i], *solution.prices[self._links[i]]]) for i in range(self.n_agents))

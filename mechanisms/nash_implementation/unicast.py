"""Chapter 1: Nash implementation for unicast network utility maximization.

Agent ``i`` sends ``s_i = (y_i, (p^l_i)_{l in L_i})`` (weak budget balance, game G) or
``s_i = (y_i, (p^l_i)_{l in L_i}, rho_i)`` (strong budget balance at equilibrium, ch. 1 §4).
Message layout of agent ``i``: ``[y_i, p_i^{l_1}, ..., p_i^{l_{L_i}}(, rho_i)]`` with ``L_i`` in
ascending link order.

Allocation (1.7)-(1.9): ``x = r y`` with ``r = min_l r^l`` and

* ``r^l = c^l / sum_j alpha^l_j y_j`` if ``|S^l(y)| >= 2``,
* ``r^l = c^l / (alpha^l_i (y_i + 1))`` if ``S^l(y) = {i}`` (the singleton tweak; the OCR of (1.8)
  is garbled, this is ``c^l / (alpha y) - f^l(y_i)`` with ``f^l(y_i) = c^l / (alpha^l_i y_i (y_i+1))``),
* ``r^l = inf`` if nobody on ``l`` demands; ``x = 0`` at ``y = 0`` (and ``r := 0`` there, a
  convention the thesis leaves open, used only by the ``zeta`` term).

Taxes (1.10)-(1.11): ``t_i = sum_{l in L_i} t^l_i`` with
``t^l_i = x_i alpha^l_i pbar^l_{-i} + (p^l_i - pbar^l_{-i})^2
+ eta pbar^l_{-i} (p^l_i - pbar^l_{-i}) (c^l - sum_j alpha^l_j x_j)``.

Strong budget balance (ch. 1 §4, (1.17)-(1.18), (1.50)-(1.52)):
``t_i = sum_l [t^l_i - rhobar_{-i} pbar^l_{-i} / (N^l - 1) sum_{j in N^l \\ i} alpha^l_j y_j]
+ zeta (rho_i - r)^2`` with ``rhobar_{-i}`` the average of the other agents' ``rho`` (the thesis
says "defined similarly to (1.11)"; ch. 2 (2.26) makes it the average over all other agents).
"""
from __future__ import annotations

import numpy as np

from .._arrays import check_positive
from ._mechanism import NashMechanism
from .networks import UnicastNetwork

__all__ = ["UnicastMechanism", "unicast_allocation"]

BUDGET_BALANCE = ("weak", "strong")


def unicast_allocation(network: UnicastNetwork, y):
    """Return ``(x, r, r_per_link)`` of (1.7)-(1.9) for demand vector ``y`` (shape (N,)).

    ``x`` is always feasible (Lemma 3.2); ``r = 0`` and ``x = 0`` at ``y = 0``.
    """
    A, c = network.coefficients, network.capacities
    y = np.asarray(y, dtype=np.float64)
    active = (A > 0) & (y[None, :] > 0)
    n_active = active.sum(axis=1)
    load = A @ y
    r_link = np.full(A.shape[0], np.inf)
    many = n_active >= 2
    r_link[many] = c[many] / load[many]
    single = np.flatnonzero(n_active == 1)
    if single.size:
        who = np.argmax(active[single], axis=1)
        r_link[single] = c[single] / (A[single, who] * (y[who] + 1.0))
    if not np.any(y > 0):
        return np.zeros_like(y), 0.0, r_link
    r = float(np.min(r_link))
    return r * y, r, r_link


class UnicastMechanism(NashMechanism):
    """The ch. 1 mechanism (game G, or its strong-budget-balance variant).

    Parameters
    ----------
    network : UnicastNetwork
    eta : float
        ``eta > 0`` of (1.10). The thesis asks for it "sufficiently small" (Lemma 3.7) and gives no
        formula; on the notes' instance U1 the constructed equilibrium survives up to
        ``eta ~ 1.0005`` and fails beyond (tested on both sides).
    budget_balance : {"weak", "strong"}
    zeta : float
        ``zeta > 0`` of the strong variant (ignored for ``"weak"``).
    """
    chapter = 1

    def __init__(self, network: UnicastNetwork, *, eta: float = 0.01, budget_balance: str = "weak",
                 zeta: float = 0.01):
        self._bind(network, UnicastNetwork, budget_balance, BUDGET_BALANCE, eta=eta, zeta=zeta)
        self.name = f"ch1-{'wbb' if budget_balance == 'weak' else 'sbb'}"
        self._n_on = network.membership.sum(axis=1)

    @property
    def parameters(self) -> dict:
        return {"eta": self.eta, "zeta": self.zeta, "budget_balance": self.budget_balance}

    def message_labels(self, i):
        labels = ["y"] + [f"p[{l}]" for l in self._links[i]]
        return labels + (["rho"] if self.budget_balance == "strong" else [])

    def _allocate(self, y):
        x, r, _ = unicast_allocation(self.network, y)
        return x, r

    def _taxes(self, messages, y, alloc):
        x, r = alloc
        A, c = self.network.coefficients, self.network.capacities
        member = A > 0
        P = self._price_matrix(messages, 1)
        pbar = (P.sum(axis=1, keepdims=True) - P) / (self._n_on[:, None] - 1)
        slack = c - A @ x
        t_link = (x[None, :] * A * pbar + (P - pbar) ** 2
                  + self.eta * pbar * (P - pbar) * slack[:, None])
        if self.budget_balance == "strong":
            rho = np.array([m[-1] for m in messages])
            N = rho.size
            rhobar = (rho.sum() - rho) / (N - 1)
            ay = A * y[None, :]
            others_load = ay.sum(axis=1, keepdims=True) - ay
            t_link = t_link - rhobar[None, :] * pbar / (self._n_on[:, None] - 1) * others_load
        t = np.where(member, t_link, 0.0).sum(axis=0)
        if self.budget_balance == "strong":
            t = t + self.zeta * (rho - r) ** 2
        return t

    def equilibrium_messages(self, solution, kappa: float = 1.0):
        """Lemma 3.7: ``y = kappa x*``, ``p^l_i = lambda*_l`` (and ``rho_i = 1/kappa``)."""
        check_positive("kappa", kappa)
        out = []
        for i in range(self.n_agents):
            m = [kappa * solution.x[i]] + list(solution.prices[self._links[i]])
            if self.budget_balance == "strong":
                m.append(1.0 / kappa)
            out.append(np.array(m))
        return tuple(out)

    def derivative_bounds(self, y, i):
        """One-sided ``beta = dx_i/dy_i`` of (1.28)-(1.30): ``(right, left)`` at ``y``.

        At ties of the minimizing link the right derivative is the smallest candidate and the
        left one the largest (notes §1.6)."""
        A, c = self.network.coefficients, self.network.capacities
        y = np.asarray(y, dtype=float)
        _, r, r_link = unicast_allocation(self.network, y)
        ties = np.flatnonzero(np.isclose(r_link, r, rtol=1e-12, atol=0))
        cands = []
        for q in ties:
            active = np.flatnonzero((A[q] > 0) & (y > 0))
            if A[q, i] == 0 or (active.size == 1 and active[0] != i):
                cands.append(r_link[q])
            elif active.size >= 2:
                others = A[q] @ y - A[q, i] * y[i]
                cands.append(r_link[q] ** 2 / c[q] * others)
            else:
                cands.append(c[q] / (A[q, i] * (y[i] + 1.0) ** 2))
        return min(cands), max(cands)

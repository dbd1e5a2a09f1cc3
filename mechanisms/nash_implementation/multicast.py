"""Chapter 2: Nash implementation for multicast / multirate networks (intergroup competition,
intragroup sharing).

Agent ``ki`` sends ``s_ki = (y_ki, 1Q_ki, 2Q_ki)`` (game 𝔊, weak budget balance) or
``(y_ki, 1Q_ki, 2Q_ki, rho_ki)`` (game 𝔊_0, strong budget balance at equilibrium). Layout:
``[y, 1q^{l_1}, ..., 1q^{l_L}, 2q^{l_1}, ..., 2q^{l_L}(, rho)]`` over ``L_ki`` in ascending order.
``1q^l_ki`` is ki's own proxy for ``mu^l_ki``; ``2q^l_ki`` is ki's quote for its successor's
multiplier, which the successor pays.

Allocation (2.9)-(2.10): ``n^l_k = max_{i in G^l_k} alpha^l_ki y_ki``, ``r = min_l r^l`` with
``r^l = c^l / sum_k n^l_k`` if at least two groups are active on ``l``, ``c^l / (n^l_k + 1)`` if only
group ``k`` is, ``inf`` if none; ``x = r y``, ``m^l_k = r n^l_k``.

Taxes (2.11)-(2.14), with ``kj`` the predecessor and ``ke`` the successor of ``ki`` in ``G^l_k``,
``w^l_k = sum_{i in G^l_k} 1q^l_ki`` and ``wbar^l_{-k}`` the average of the other groups' ``w``:
``t^l_ki = x_ki alpha pi^l_ki + [G^l_k >= 2] (2q^l_ki - 1q^l_ke)^2 + (w^l_k - wbar^l_{-k})^2
+ eta pi^l_ki (1q^l_ki - pi^l_ki)(m^l_k - alpha x_ki) + xi wbar^l_{-k}(w^l_k - wbar^l_{-k})(c^l - sum_k' m^l_k')``
where the price paid is ``pi^l_ki = 2q^l_kj`` if ``G^l_k >= 2`` and ``wbar^l_{-k}`` if ``G^l_k = 1``.
(The OCR prints "eta^2q": it is ``eta * 2q``, as the proofs (2.31), (2.43) show.)

Strong budget balance (2.23)-(2.26): ``t_ki = zeta (rho_ki - r)^2 + sum_l [t^l_ki - rhobar_{-ki} /
(N^l - 1) sum_{k'j in N^l \\ ki} alpha^l_k'j pi'^l_k'j y_k'j]`` with ``rhobar_{-ki}`` the average of all
other agents' ``rho``.

**Which rebate price** ``pi'``: the thesis prints ``pi' = 2q^l_{k'j'}`` (the predecessor's quote,
i.e. the price k'j pays) and ``wbar^l_{-k'}`` for singleton groups (2.24)-(2.25). That makes ki's
own messages enter its own rebate (ki is the predecessor of its successor; ``wbar_{-k'}`` contains
``w_k``), which breaks the "rebate depends only on the others' messages" argument: on the Fig. 9
instance agents 11 and 12 gain exactly 1/32 by raising ``2q``. The default (``rebate="corrected"``)
uses ``pi' = 1q^l_k'j``, the other agent's own first price, which equals the price paid at every
equilibrium and depends only on the others' messages, so all WBB lemmas carry over and
``sum t = 0`` at equilibrium. ``rebate="printed"`` gives the printed version for study only.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._arrays import check_choice, check_positive
from ._mechanism import NashMechanism
from .networks import MulticastNetwork

__all__ = ["MulticastMechanism", "multicast_allocation"]

BUDGET_BALANCE = ("weak", "strong")
REBATES = ("corrected", "printed")


def multicast_allocation(network: MulticastNetwork, y):
    """Return ``(x, r, m, loads)`` of (2.9)-(2.10); ``m`` has shape (L, N): ``m^l_k`` on each
    member of k; ``loads[l] = sum_k m^l_k``."""
    A, c = network.coefficients, network.capacities
    y = np.asarray(y, dtype=np.float64)
    member = A > 0
    ay = A * y[None, :]
    L, N = A.shape
    n_agent = np.zeros((L, N))
    total = np.zeros(L)
    n_active = np.zeros(L, dtype=np.int64)
    single_n = np.zeros(L)
    for k in range(network.n_groups):
        cols = network.groups == k
        nk = np.max(np.where(member[:, cols], ay[:, cols], 0.0), axis=1)
        n_agent[:, cols] = nk[:, None]
        total += nk
        n_active += nk > 0
        single_n = np.where(nk > 0, nk, single_n)
    r_link = np.full(L, np.inf)
    many = n_active >= 2
    r_link[many] = c[many] / total[many]
    one = n_active == 1
    r_link[one] = c[one] / (single_n[one] + 1.0)
    if not np.any(y > 0):
        return np.zeros_like(y), 0.0, np.zeros((L, N)), np.zeros(L)
    r = float(np.min(r_link))
    return r * y, r, np.where(member, r * n_agent, 0.0), r * total


class MulticastMechanism(NashMechanism):
    """The ch. 2 mechanism (game 𝔊, or 𝔊_0 with ``budget_balance="strong"``).

    Parameters
    ----------
    network : MulticastNetwork
    eta, xi : float
        ``eta, xi > 0`` of (2.11)-(2.14) ("sufficiently small", no formula in the thesis).
    budget_balance : {"weak", "strong"}
    zeta : float
        Weight of ``(rho_ki - r)^2`` (strong variant).
    rebate : {"corrected", "printed"}
        Price in the strong-budget-balance rebate: ``"corrected"`` (default, ``1q`` of the other
        agent) or ``"printed"`` (2.24)-(2.25) as printed, which is *not* an equilibrium-preserving
        redistribution (a warning is issued).
    """
    chapter = 2

    def __init__(self, network: MulticastNetwork, *, eta: float = 0.01, xi: float = 0.01,
                 budget_balance: str = "weak", zeta: float = 0.01, rebate: str = "corrected"):
        self._bind(network, MulticastNetwork, budget_balance, BUDGET_BALANCE,
                   eta=eta, xi=xi, zeta=zeta)
        check_choice("rebate", rebate, REBATES)
        if rebate == "printed" and budget_balance == "strong":
            warnings.warn("rebate='printed' uses the rebate of (2.24)-(2.25) as printed; agents' own "
                          "messages enter their rebate and the constructed profile is not a Nash "
                          "equilibrium (Fig. 9 instance: gain 1/32). Use only to study the erratum.",
                          RuntimeWarning, stacklevel=2)
        self.rebate = rebate
        self.name = "ch2-wbb" if budget_balance == "weak" else f"ch2-sbb-{rebate}"
        L, N = network.coefficients.shape
        self._n_on = network.membership.sum(axis=1)
        self._k_on = network.groups_on_link.sum(axis=1)
        self._pred = np.where(network.predecessor >= 0, network.predecessor, np.arange(N)[None, :])
        self._succ = np.where(network.successor >= 0, network.successor, np.arange(N)[None, :])
        self._shared = network.group_sizes >= 2
        same = network.groups[:, None] == network.groups[None, :]
        self._same_group = same.astype(float)

    @property
    def parameters(self) -> dict:
        return {"eta": self.eta, "xi": self.xi, "zeta": self.zeta,
                "budget_balance": self.budget_balance, "rebate": self.rebate}

    def message_labels(self, i):
        links = self._links[i]
        labels = ["y"] + [f"q1[{l}]" for l in links] + [f"q2[{l}]" for l in links]
        return labels + (["rho"] if self.budget_balance == "strong" else [])

    def _allocate(self, y):
        return multicast_allocation(self.network, y)

    def _price_matrices(self, messages):
        L, N = self.network.coefficients.shape
        Q1 = np.zeros((L, N))
        Q2 = np.zeros((L, N))
        for i, m in enumerate(messages):
            links = self._links[i]
            Q1[links, i] = m[1:1 + links.size]
            Q2[links, i] = m[1 + links.size:1 + 2 * links.size]
        return Q1, Q2

    def _taxes(self, messages, y, alloc):
        x, r, m, loads = alloc
        A, c = self.network.coefficients, self.network.capacities
        member = A > 0
        Q1, Q2 = self._price_matrices(messages)
        rows = np.arange(A.shape[0])[:, None]
        w = Q1 @ self._same_group                      # w^l_k on every agent of k (members: Q1 is 0 off-link)
        W = Q1.sum(axis=1, keepdims=True)
        K = self._k_on[:, None]
        wbar = (W - w) / (K - 1)
        pred_q2 = Q2[rows, self._pred]
        succ_q1 = Q1[rows, self._succ]
        paid = np.where(self._shared, pred_q2, wbar)
        ax = A * x[None, :]
        link_slack = c - loads
        t_link = (ax * paid + np.where(self._shared, (Q2 - succ_q1) ** 2, 0.0) + (w - wbar) ** 2
                  + self.eta * paid * (Q1 - paid) * (m - ax)
                  + self.xi * wbar * (w - wbar) * link_slack[:, None])
        if self.budget_balance == "strong":
            rho = np.array([msg[-1] for msg in messages])
            N = rho.size
            rhobar = (rho.sum() - rho) / (N - 1)
            price = Q1 if self.rebate == "corrected" else paid
            contrib = np.where(member, A * price * y[None, :], 0.0)
            others = contrib.sum(axis=1, keepdims=True) - contrib
            t_link = t_link - rhobar[None, :] / (self._n_on[:, None] - 1) * others
        t = np.where(member, t_link, 0.0).sum(axis=0)
        if self.budget_balance == "strong":
            t = t + self.zeta * (rho - r) ** 2
        return t

    def equilibrium_messages(self, solution, kappa: float = 1.0, member_prices=None):
        """Lemma 3.7 (ch. 2): ``y = kappa x*``, ``1q^l_ki = mu^l_ki``, ``2q^l_ki = mu^l_{succ(ki)}``
        (own ``mu`` for singleton groups, where ``2q`` is a dummy), ``rho = 1/kappa``.

        ``member_prices`` (L, N) overrides ``solution.member_prices`` (another valid dual choice)."""
        check_positive("kappa", kappa)
        mu = solution.member_prices if member_prices is None else np.asarray(member_prices, float)
        out = []
        for i in range(self.n_agents):
            links = self._links[i]
            q1 = mu[links, i]
            q2 = np.array([mu[l, self._succ[l, i]] for l in links])
            msg = [kappa * solution.x[i], *q1, *q2]
            if self.budget_balance == "strong":
                msg.append(1.0 / kappa)
            out.append(np.array(msg))
        return tuple(out)

"""Common interface of the ch. 1-3 mechanisms (private: the public classes document the math).

A *message profile* is a tuple of N one-dimensional float arrays, one per agent; the layout of
agent ``i``'s vector is given by ``mechanism.message_labels(i)`` and always starts with the
demand ``y_i``. Every mechanism maps a profile to an allocation (which depends on demands only)
and to taxes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._arrays import check_choice, check_positive

__all__ = ["Outcome", "NashMechanism"]


@dataclass(frozen=True, eq=False)
class Outcome:
    """Allocation and taxes of one message profile.

    Attributes
    ----------
    x : ndarray (N,)       allocation ``h_x(s)``
    taxes : ndarray (N,)   taxes ``h_t(s)``
    total_tax : float      ``sum_i t_i`` (>= 0: weak budget balance; = 0: strong)
    scale : float          ``r`` of (1.7)/(2.9) (``0`` at ``y = 0``, a convention) or
                           ``min(1, alpha_0)`` of (3.13)
    aux : ndarray or None  ch. 2: ``m^l_k`` per (link, member)
    """
    x: np.ndarray
    taxes: np.ndarray
    total_tax: float
    scale: float
    aux: np.ndarray | None = None


class NashMechanism:
    """Base class. Subclasses implement ``_allocate(y)`` and ``_taxes(P, y, alloc)``."""
    chapter: int = 0
    name: str = ""

    def _bind(self, network, network_type, budget_balance, choices, **constants):
        """Check and keep the network, the budget-balance variant and the constants (> 0)."""
        if not isinstance(network, network_type):
            raise TypeError(f"network: expected {network_type.__name__}; "
                            f"got {type(network).__name__}")
        for name, value in constants.items():
            setattr(self, name, check_positive(name, value))
        self.budget_balance = check_choice("budget_balance", budget_balance, choices)
        self.network = network
        self._links = [network.links_of(i) for i in range(network.n_agents)]

    # --- message layout -------------------------------------------------------------------
    def message_labels(self, i: int) -> list[str]:
        raise NotImplementedError

    def message_size(self, i: int) -> int:
        return len(self.message_labels(i))

    def lower_bounds(self, i: int) -> np.ndarray:
        """Lower bound of each coordinate of agent ``i``'s message (open for ch. 3 demands)."""
        return np.zeros(self.message_size(i))

    def demand_lower_bound(self, i: int) -> float:
        return 0.0

    @property
    def n_agents(self) -> int:
        return self.network.n_agents

    def check_messages(self, messages):
        """Validate and convert a profile to a tuple of float arrays."""
        if len(messages) != self.n_agents:
            raise ValueError(f"messages: expected {self.n_agents} agent messages; got {len(messages)}")
        out = []
        for i, m in enumerate(messages):
            m = np.asarray(m, dtype=np.float64).ravel()
            if m.size != self.message_size(i):
                raise ValueError(f"messages[{i}]: expected {self.message_size(i)} entries "
                                 f"{self.message_labels(i)}; got {m.size}")
            if not np.all(np.isfinite(m)):
                raise ValueError(f"messages[{i}]: entries must be finite")
            if self.demand_lower_bound(i) > 0 and m[0] <= self.demand_lower_bound(i):
                raise ValueError(f"messages[{i}]: demand must be > d_i = {self.demand_lower_bound(i)}; "
                                 f"got {m[0]}")
            if np.any(m < self.lower_bounds(i)):
                raise ValueError(f"messages[{i}]: entries must be >= {self.lower_bounds(i).tolist()} "
                                 f"(message space); got {m.tolist()}")
            out.append(m)
        return tuple(out)

    # --- outcome --------------------------------------------------------------------------
    def demands(self, messages) -> np.ndarray:
        return np.array([m[0] for m in messages], dtype=np.float64)

    def allocation(self, y) -> np.ndarray:
        """``h_x``: the allocation of demand vector ``y`` (never depends on prices)."""
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (self.n_agents,):
            raise ValueError(f"y: expected shape ({self.n_agents},); got {y.shape}")
        return self._allocate(y)[0]

    def outcome(self, messages, *, check=True) -> Outcome:
        if check:
            messages = self.check_messages(messages)
        y = self.demands(messages)
        alloc = self._allocate(y)
        t = self._taxes(messages, y, alloc)
        return Outcome(x=alloc[0], taxes=t, total_tax=float(t.sum()), scale=float(alloc[1]),
                       aux=alloc[2] if len(alloc) > 2 else None)

    def taxes(self, messages) -> np.ndarray:
        return self.outcome(messages).taxes

    def payoffs(self, utilities, messages, *, check=True) -> np.ndarray:
        """Game utilities ``u^_i(s) = v_i(h_x,i(s)) - h_t,i(s)`` (1.12)."""
        out = self.outcome(messages, check=check)
        v = np.array([float(u.value(xi)) for u, xi in zip(utilities, out.x)])
        return v - out.taxes

    def payoff(self, utilities, messages, i, *, check=False) -> float:
        out = self.outcome(messages, check=check)
        return float(utilities[i].value(out.x[i])) - float(out.taxes[i])

    # helpers for (L, N) price matrices
    def _price_matrix(self, messages, offset):
        L, N = self.network.coefficients.shape
        P = np.zeros((L, N))
        for i, m in enumerate(messages):
            links = self._links[i]
            P[links, i] = m[offset:offset + links.size]
        return P

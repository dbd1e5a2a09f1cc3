"""Agents, goods and preferences of the exchange economy (seed 003, Cabanillas & Willmott 2006, §3).

N agents, M unique, indivisible, non-copyable goods, each held by exactly one agent. Agent i
values good f at s[i, f] in [0, 10 000]. Only ``capacity`` K goods count: the satisfaction of
agent i holding H_i is

    u_i(H_i) = sum of the K largest s[i, f] over f in H_i            (the seed's "only three
                                                                      of them are scored")

and the *global level of benefit* plotted in the seed's Figs. 1-2 is the mean per scored slot,
L = Σ_i u_i / (N K) (our reading, [RECON] in the notes: it keeps L on the 0..10 000 axis).

Preferences (the seed's Table 1 columns):

* ``"heterogeneous"``: s[i, f] drawn independently for every (agent, good);
* ``"homogeneous"``: s[i, f] = s_f for every agent ("popular goods").

(The seed's two worked examples are swapped: its "heterogeneous" example shows equal values and
its "homogeneous" one different values; the analysis section confirms the reading above.)
Values are integers drawn uniformly from {0, ..., value_max} ([RECON]). ``interest="wishlist"``
gives each agent positive values on only ``wishlist_size`` random goods (zero elsewhere): sparse
interest, which is what makes the double coincidence of wants bite (notes, [PROTO] warning).

Initial state (seed §3): every agent gets ``initial_goods`` = 3 random goods (``init="exact"``;
then M = N K, as in the seed's 500 agents and 1500 goods) or a uniform number in
{0, ..., initial_goods} (``init="uniform"``, the seed's Fig. 2 text "between 0..3 goods are
assigned"; goods nobody receives are left out of the economy), 4000 tokens each, and a fixed
price of 500 tokens per good.

References
----------
.. [1] D. Cabanillas and S. Willmott, "Self-organization amongst non-altruistic agents for
   distribution of goods: comparing bartering and currency based exchange", EUMAS 2006,
   CEUR-WS Vol-223, paper 25.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_choice, check_integer, check_positive, read_only

from ._kernels import all_satisfactions, holdings_arrays

__all__ = ["Economy", "random_economy", "satisfactions", "global_level", "PREFERENCES",
           "INTERESTS", "INITS"]

PREFERENCES = ("heterogeneous", "homogeneous")
INTERESTS = ("all", "wishlist")
INITS = ("exact", "uniform")



@dataclass(frozen=True, eq=False)
class Economy:
    """An exchange economy: preferences, capacity, the initial owners and tokens.

    Attributes
    ----------
    satisfaction : ndarray (N, M)   s[i, f] >= 0
    capacity : int                  K, goods that count towards u_i
    owner : ndarray int (M,)        initial holder of each good (-1: not in the economy)
    tokens : ndarray (N,)           initial tokens
    price : float                   fixed price per good in the currency markets
    method, parameters : how the economy was made (``"given"`` or ``"random_economy"``)
    """
    satisfaction: np.ndarray = field(repr=False)
    capacity: int = 3
    owner: np.ndarray = field(default=None, repr=False)
    tokens: np.ndarray = field(default=None, repr=False)
    price: float = 500.0
    method: str = "given"
    parameters: dict = field(default_factory=dict)

    def __post_init__(self):
        s = np.asarray(self.satisfaction, dtype=np.float64)
        if s.ndim != 2 or s.shape[0] < 1 or s.shape[1] < 1:
            raise ValueError(f"satisfaction: expected a non-empty (N agents, M goods) array; "
                             f"got shape {s.shape}")
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError("satisfaction: values must be finite and >= 0")
        n, m = s.shape
        object.__setattr__(self, "satisfaction", read_only(s, np.float64))
        object.__setattr__(self, "capacity", check_integer("capacity", self.capacity, 1))
        owner = np.zeros(m, dtype=np.int64) if self.owner is None else np.asarray(self.owner)
        if owner.shape != (m,) or not np.issubdtype(owner.dtype, np.integer):
            raise ValueError(f"owner: expected {m} integer agent indices (-1 = absent); got "
                             f"shape {owner.shape}, dtype {owner.dtype}")
        if np.any(owner < -1) or np.any(owner >= n):
            raise ValueError(f"owner: indices must lie in -1..{n - 1}")
        object.__setattr__(self, "owner", read_only(owner, np.int64))
        tokens = np.zeros(n) if self.tokens is None else np.asarray(self.tokens, dtype=np.float64)
        if tokens.shape != (n,) or not np.all(np.isfinite(tokens)) or np.any(tokens < 0):
            raise ValueError(f"tokens: expected {n} finite non-negative amounts; got {tokens!r}")
        object.__setattr__(self, "tokens", read_only(tokens, np.float64))
        check_positive("price", self.price)
        object.__setattr__(self, "price", float(self.price))

    @property
    def n_agents(self) -> int:
        return self.satisfaction.shape[0]

    @property
    def n_goods(self) -> int:
        """Goods in the economy (held by someone)."""
        return int(np.count_nonzero(self.owner >= 0))

    @property
    def homogeneous(self) -> bool:
        """True if every agent values every good the same."""
        return bool(np.all(self.satisfaction == self.satisfaction[:1]))


def random_economy(n_agents: int = 500, n_goods: int = 1500, *, preferences: str = "heterogeneous",
                   capacity: int = 3, initial_goods: int = 3, init: str = "exact",
                   interest: str = "all", wishlist_size: int = 10, tokens: float = 4000.0,
                   price: float = 500.0, value_max: int = 10_000, seed=None) -> Economy:
    """A random economy with the seed's settings as defaults (§3: 500 agents, 1500 goods, 3
    goods of interest, 4000 tokens, 500 tokens per good, satisfaction 0..10 000, 3 goods each).

    ``init="exact"`` needs ``n_goods >= n_agents * initial_goods``; goods beyond that are left out
    of the economy (owner -1). ``seed`` is anything ``numpy.random.default_rng`` accepts.
    """
    n_agents = check_integer("n_agents", n_agents, 1)
    n_goods = check_integer("n_goods", n_goods, 1)
    capacity = check_integer("capacity", capacity, 1)
    initial_goods = check_integer("initial_goods", initial_goods, 0)
    value_max = check_integer("value_max", value_max, 1)
    check_choice("preferences", preferences, PREFERENCES)
    check_choice("interest", interest, INTERESTS)
    check_choice("init", init, INITS)
    if interest == "wishlist":
        wishlist_size = check_integer("wishlist_size", wishlist_size, 1)
        if wishlist_size > n_goods:
            raise ValueError(f"wishlist_size: at most n_goods = {n_goods}; got {wishlist_size}")
    if init == "exact" and n_agents * initial_goods > n_goods:
        raise ValueError(f"n_goods: init='exact' needs n_agents * initial_goods = "
                         f"{n_agents * initial_goods} goods; got {n_goods}")
    rng = np.random.default_rng(seed)
    if preferences == "heterogeneous":
        s = rng.integers(0, value_max + 1, size=(n_agents, n_goods)).astype(np.float64)
    else:
        s = np.broadcast_to(rng.integers(0, value_max + 1, size=n_goods).astype(np.float64),
                            (n_agents, n_goods)).copy()
    if interest == "wishlist":
        mask = np.zeros((n_agents, n_goods), dtype=bool)
        if preferences == "homogeneous":
            # the same popular goods for everybody
            mask[:, rng.choice(n_goods, wishlist_size, replace=False)] = True
        else:
            for i in range(n_agents):
                mask[i, rng.choice(n_goods, wishlist_size, replace=False)] = True
        s = np.where(mask, np.maximum(s, 1.0), 0.0)
    counts = (np.full(n_agents, initial_goods) if init == "exact"
              else rng.integers(0, initial_goods + 1, size=n_agents))
    total = int(counts.sum())
    if total > n_goods:          # only possible with init="uniform": trim at random
        while total > n_goods:
            i = rng.integers(n_agents)
            if counts[i] > 0:
                counts[i] -= 1
                total -= 1
    owner = np.full(n_goods, -1, dtype=np.int64)
    goods = rng.permutation(n_goods)[:total]
    owner[goods] = np.repeat(np.arange(n_agents), counts)
    params = {"n_agents": n_agents, "n_goods": n_goods, "preferences": preferences,
              "capacity": capacity, "initial_goods": initial_goods, "init": init,
              "interest": interest,
              "wishlist_size": wishlist_size if interest == "wishlist" else None,
              "tokens": float(tokens), "price": float(price), "value_max": value_max, "seed": seed}
    return Economy(s, capacity, owner, np.full(n_agents, float(tokens)), price,
                   method="random_economy", parameters=params)


def satisfactions(economy: Economy, owner=None) -> np.ndarray:
    """u_i for every agent under ``owner`` (default: the initial owners), shape (N,)."""
    owner = economy.owner if owner is None else np.asarray(owner, dtype=np.int64)
    if owner.shape != economy.owner.shape:
        raise ValueError(f"owner: expected shape {economy.owner.shape}; got {owner.shape}")
    hold, count = holdings_arrays(owner, economy.n_agents)
    return all_satisfactions(economy.satisfaction, hold, count, economy.capacity)


def global_level(economy: Economy, owner=None) -> float:
    """The global level of benefit L = Σ_i u_i / (N K)."""
    return float(satisfactions(economy, owner).sum() / (economy.n_agents * economy.capacity))

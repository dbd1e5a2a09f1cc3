"""Simulation of an exchange economy over ticks (seed 003, §3: "the step-by-step evolution of
the distribution of goods").

Each tick t = 0, 1, ..., ``n_ticks`` - 1 ([RECON] details from the notes, seed rules):

1. forced step (t = 0 only; seed §2: "a certain number of agents offers goods initially"): a
   random fraction ``forced_fraction`` of the agents list all their goods;
2. offering (t >= 1): agents re-list their goods by the offering policy (currency; barter with
   ``barter_scope="listed"`` uses the medium-restrictive rule);
3. trading: currency purchases (:mod:`.currency`) or swaps (:mod:`.bartering`), agents in a fresh
   random order every tick.

The run stops when no goods are offered (after the offering of a tick t >= 1; the seed plots
"until the moment where no one is offering"), after ``idle_ticks`` ticks in a row without a
trade, or after ``n_ticks`` ticks. Nothing changes after a stop, so ``levels`` is padded with the
final value up to ``n_ticks``. Randomness (forced agents, orders) comes from one seeded
``numpy.random.Generator``: the same seed gives the same trajectory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_choice, check_integer, freeze

from ._kernels import all_satisfactions, holdings_arrays
from .bartering import barter_phase
from .currency import buying_phase, market_best, relist
from .economy import Economy
from .offering import OFFERING_POLICIES

__all__ = ["ExchangeResult", "simulate_exchange", "MECHANISMS", "VISIBILITIES", "BARTER_SCOPES",
           "STOP_MESSAGES"]

MECHANISMS = ("currency", "barter")
VISIBILITIES = ("book", "all")
BARTER_SCOPES = ("all", "listed")
STOP_MESSAGES = {
    0: "no goods offered at tick {tick}",
    1: "{idle} ticks in a row without a trade (last tick {tick})",
    2: "n_ticks = {n_ticks} ticks played",
}


@dataclass(frozen=True, eq=False)
class ExchangeResult:
    """A simulated run.

    Attributes
    ----------
    levels : ndarray (n_ticks + 1,)   global level of benefit L: [0] initial, [t + 1] after tick t
    trades : ndarray int (n_ticks,)   trades (purchases or swaps) per tick
    offered : ndarray int (n_ticks,)  goods on the book after the offering of each tick (0 for
                                      barter over all goods, which uses no book)
    trade_log : ndarray int (n, 5)    rows (tick, initiator, counterpart, good the initiator
                                      receives, good it gives or -1 for a purchase)
    owner, tokens : final holders and tokens
    satisfactions : ndarray (N,)      final u_i
    stopped_at : int                  last tick played
    status, message                   why the run stopped (``STOP_MESSAGES``)
    method : "currency" or "barter";  parameters : every setting, defaults resolved
    """
    levels: np.ndarray = field(repr=False)
    trades: np.ndarray = field(repr=False)
    offered: np.ndarray = field(repr=False)
    trade_log: np.ndarray = field(repr=False)
    owner: np.ndarray = field(repr=False)
    tokens: np.ndarray = field(repr=False)
    satisfactions: np.ndarray = field(repr=False)
    stopped_at: int = 0
    status: int = 2
    message: str = ""
    method: str = "currency"
    parameters: dict = field(default_factory=dict)

    @property
    def final_level(self) -> float:
        return float(self.levels[-1])

    @property
    def n_trades(self) -> int:
        return int(self.trades.sum())



def simulate_exchange(economy: Economy, mechanism: str = "currency", *,
                      policy: str = "medium_restrictive", n_ticks: int = 50,
                      forced_fraction: float = 0.2, visibility: str = "all",
                      barter_scope: str = "all", idle_ticks: int = 5, seed=None) -> ExchangeResult:
    """Simulate bartering or a currency market on ``economy``.

    Parameters
    ----------
    economy : Economy
    mechanism : {"currency", "barter"}
    policy : {"least_restrictive", "medium_restrictive", "most_restrictive"}
        Offering policy of the currency market (scenarios 1.1, 1.2, 1.3); ignored by barter.
    n_ticks : int
        Ticks at most (the seed's axes run to 50).
    forced_fraction : float in [0, 1]
        Share of agents that list all their goods in the forced step ([RECON] 0.2).
    visibility : {"all", "book"}
        What m_i (offering) compares with: every good held by others (default) or only the
        listed ones. With ``"book"`` the forced step's goods are all bought in tick 0, m_i is
        then -inf for everybody, nobody lists and trading stops at tick 1 under every policy,
        which contradicts the seed's Fig. 1 (trading until tick ~25); hence the default.
    barter_scope : {"all", "listed"}
        Goods a barterer may look at and give.
    idle_ticks : int
        Stop after this many ticks in a row without a trade.
    seed : anything ``numpy.random.default_rng`` accepts.
    """
    if not isinstance(economy, Economy):
        raise TypeError(f"economy: expected an Economy; got {type(economy).__name__}")
    check_choice("mechanism", mechanism, MECHANISMS)
    check_choice("policy", policy, OFFERING_POLICIES)
    check_choice("visibility", visibility, VISIBILITIES)
    check_choice("barter_scope", barter_scope, BARTER_SCOPES)
    for name, value in (("n_ticks", n_ticks), ("idle_ticks", idle_ticks)):
        check_integer(name, value)
    if not (np.isfinite(forced_fraction) and 0 <= forced_fraction <= 1):
        raise ValueError(f"forced_fraction: expected a number in [0, 1]; got {forced_fraction!r}")
    rng = np.random.default_rng(seed)
    s = np.ascontiguousarray(economy.satisfaction)
    n, m = s.shape
    k = economy.capacity
    owner = economy.owner.copy()
    hold, count = holdings_arrays(owner, n)
    tokens = economy.tokens.copy()
    util = all_satisfactions(s, hold, count, k)
    listed = np.zeros(m, dtype=np.bool_)
    best = np.empty(n)
    barter = mechanism == "barter"
    listed_only = barter and barter_scope == "listed"
    uses_book = not barter or listed_only
    policy_code = 1 if barter else OFFERING_POLICIES.index(policy)
    preference_order = (np.argsort(-s, axis=1, kind="stable").astype(np.int64) if barter
                        else np.empty((0, 0), dtype=np.int64))
    norm = n * k
    levels = np.empty(n_ticks + 1)
    levels[0] = util.sum() / norm
    trades = np.zeros(n_ticks, dtype=np.int64)
    offered = np.zeros(n_ticks, dtype=np.int64)
    logs = []
    buffer = np.empty((n, 5), dtype=np.int64)
    status, idle, t = 2, 0, 0
    for t in range(n_ticks):
        if uses_book:
            if t == 0:
                forced = rng.random(n) < forced_fraction
                for i in np.flatnonzero(forced):
                    listed[hold[i, :count[i]]] = True
                offered[t] = int(listed.sum())
            else:
                market_best(s, owner, listed, visibility == "all", best)
                offered[t] = relist(s, hold, count, k, best, policy_code, listed)
                if offered[t] == 0:
                    status = 0
                    break
        order = rng.permutation(n).astype(np.int64)
        if barter:
            done = barter_phase(s, owner, hold, count, k, preference_order, listed, listed_only,
                                order, util, t, buffer)
        else:
            done = buying_phase(s, owner, hold, count, k, tokens, economy.price, listed, order,
                                util, t, buffer)
        trades[t] = done
        if done:
            logs.append(buffer[:done].copy())
        levels[t + 1] = util.sum() / norm
        idle = 0 if done else idle + 1
        if idle >= idle_ticks:
            status = 1
            break
    stopped_at = t
    # nothing changes after a stop
    last = t + 1 if status != 0 else t
    levels[last + 1:] = levels[last]
    trade_log = np.concatenate(logs) if logs else np.empty((0, 5), dtype=np.int64)
    message = STOP_MESSAGES[status].format(tick=t, idle=idle_ticks, n_ticks=n_ticks)
    sat = util.copy()
    freeze(levels, trades, offered, trade_log, owner, tokens, sat)
    params = {"policy": policy if not barter else None, "n_ticks": int(n_ticks),
              "forced_fraction": float(forced_fraction), "visibility": visibility,
              "barter_scope": barter_scope if barter else None, "idle_ticks": int(idle_ticks),
              "seed": seed}
    return ExchangeResult(levels, trades, offered, trade_log, owner, tokens, sat, stopped_at,
                          status, message, mechanism, params)

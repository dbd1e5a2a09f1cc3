"""Currency-based exchange at a fixed price (seed 003, scenarios 1.1-1.3).

One tick of the market, with the offer book B (goods listed for sale) persisting between ticks:

1. offering: every agent computes m_i, the best value to it of a good it can see (``visibility``
   ``"all"``: every good held by others, the default; ``"book"``: only listed goods, a literal
   reading of "the market is offering" under which trading dies after the forced step) and
   re-lists its own goods by its offering policy (a good it no longer lists is withdrawn);
2. buying: agents in a random order; a buyer with at least ``price`` tokens picks its best listed
   good held by somebody else and buys it iff that raises its satisfaction,
   u_b(H_b ∪ {g}) > u_b(H_b); ``price`` tokens go to the seller and g leaves the book. At most one
   purchase per buyer and tick ([RECON]). Prices never change (seed §3).

The seller accepts any sale of a listed good: listing is its decision to sell (seed §2: "a trade is
possible iff A wants a good from B, A has tokens and B is interested in selling").
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import add_good, remove_good, top_k_sum
from .offering import _offer_mask

__all__ = []


@njit(cache=True)
def market_best(s, owner, listed, visible_all, out):
    """m_i = max s[i, g] over goods g visible to i and held by another agent (-inf if none).
    ``out`` (N,) is modified in place."""
    n, m = s.shape
    for i in range(n):
        best = -np.inf
        for g in range(m):
            o = owner[g]
            if o < 0 or o == i:
                continue
            if not visible_all and not listed[g]:
                continue
            if s[i, g] > best:
                best = s[i, g]
        out[i] = best


@njit(cache=True)
def relist(s, hold, count, k, best, policy_code, listed):
    """Every agent re-lists its goods by the policy given m_i = ``best[i]``. ``listed`` (M,) is
    modified in place; returns the size of the book."""
    n = s.shape[0]
    for i in range(n):
        c = count[i]
        if c == 0:
            continue
        values = np.empty(c)
        for j in range(c):
            values[j] = s[i, hold[i, j]]
        mask = np.zeros(c, dtype=np.bool_)
        _offer_mask(values, best[i], k, policy_code, mask)
        for j in range(c):
            listed[hold[i, j]] = mask[j]
    size = 0
    for g in range(listed.size):
        if listed[g]:
            size += 1
    return size


@njit(cache=True)
def buying_phase(s, owner, hold, count, k, tokens, price, listed, order, util, tick, log):
    """Buyers in ``order`` buy at most one good each. Holdings, ``tokens``, ``listed`` and
    ``util`` are modified in place; trades are written to ``log`` rows
    (tick, buyer, seller, good bought, -1). Returns the number of trades."""
    m = s.shape[1]
    n_trades = 0
    for b in order:
        if tokens[b] < price:
            continue
        best_g = -1
        best_v = -np.inf
        for g in range(m):
            if listed[g] and owner[g] != b and s[b, g] > best_v:
                best_v = s[b, g]
                best_g = g
        if best_g < 0:
            continue
        new_b = top_k_sum(s[b], hold[b], count[b], k, -1, best_g)
        if new_b <= util[b]:
            continue
        seller = owner[best_g]
        tokens[b] -= price
        tokens[seller] += price
        remove_good(hold, count, seller, best_g)
        add_good(hold, count, b, best_g)
        owner[best_g] = b
        listed[best_g] = False
        util[b] = new_b
        util[seller] = top_k_sum(s[seller], hold[seller], count[seller], k, -1, -1)
        log[n_trades, 0] = tick
        log[n_trades, 1] = b
        log[n_trades, 2] = seller
        log[n_trades, 3] = best_g
        log[n_trades, 4] = -1
        n_trades += 1
    return n_trades

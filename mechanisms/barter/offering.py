"""The three offering policies of the currency markets (seed 003, §3, with its examples).

Agent i compares its goods with m_i, the best value to i of a good it can see on the market
(held by somebody else). The policies decide which of i's goods are listed for sale:

``"least_restrictive"`` (scenario 1.1)
    if some good on the market beats any of i's own (m_i > min_f s[i, f]), list *everything*.
``"medium_restrictive"`` (1.2)
    list the goods worth less to i than m_i.
``"most_restrictive"`` (1.3)
    list only goods outside i's scored top K (losing them costs nothing), and only if worth less
    than m_i. With exactly K goods per agent nothing is listed (the seed: "goods are only offered
    during the forced step").

The seed's example (own values 1000, 2000, 3000, 4000; market 2500; K = 3) lists all four goods,
{1000, 2000} and {1000} under the three policies.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from .._arrays import check_choice, check_integer

__all__ = ["OFFERING_POLICIES", "offered_goods"]

OFFERING_POLICIES = ("least_restrictive", "medium_restrictive", "most_restrictive")


def offered_goods(values, market_best: float, capacity: int, policy: str) -> np.ndarray:
    """Which of an agent's goods it lists: a boolean mask over ``values`` (its values of its own
    goods), given the best value ``market_best`` it sees on the market.

    Examples
    --------
    >>> offered_goods([1000, 2000, 3000, 4000], 2500, 3, "medium_restrictive").tolist()
    [True, True, False, False]
    """
    check_choice("policy", policy, OFFERING_POLICIES)
    values = np.asarray(values, dtype=np.float64).ravel()
    check_integer("capacity", capacity)
    out = np.zeros(values.size, dtype=np.bool_)
    _offer_mask(values, float(market_best), int(capacity), OFFERING_POLICIES.index(policy), out)
    return out


@njit(cache=True)
def _offer_mask(values, market_best, k, policy_code, out):
    """Fill ``out`` (bool, same length as ``values``) per the policy. Modified in place."""
    n = values.size
    for j in range(n):
        out[j] = False
    if n == 0:
        return
    if policy_code == 0:
        lowest = values.min()
        if market_best > lowest:
            for j in range(n):
                out[j] = True
    elif policy_code == 1:
        for j in range(n):
            out[j] = values[j] < market_best
    else:
        # outside the top k: rank by value (ties by position), descending
        order = np.argsort(-values, kind="mergesort")
        for r in range(k, n):
            j = order[r]
            out[j] = values[j] < market_best

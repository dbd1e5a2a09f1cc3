"""Compiled kernels shared by the exchange mechanisms (private).

Holdings are stored struct-of-arrays, as the kernels need them:

``owner``  int64 (M,)    the agent holding good ``f`` (-1: the good is not in the economy);
``hold``   int64 (N, C)  ``hold[i, :count[i]]`` are the goods agent ``i`` holds, in no order;
``count``  int64 (N,)    how many goods each agent holds.

``C`` (the row capacity) is the number of goods in the economy, so a row never overflows.
Every kernel that changes holdings modifies these three arrays in place.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def top_k_sum(values, goods, count, k, without, extra):
    """Sum of the ``k`` largest ``values[f]`` over ``f`` in ``goods[:count]`` minus ``without``
    plus ``extra`` (pass -1 for "none"): the satisfaction u_i(H) of the seed's capacity rule."""
    buf = np.empty(k + 1)
    n = 0
    for j in range(count + 1):
        if j < count:
            f = goods[j]
            if f == without:
                continue
        else:
            if extra < 0:
                break
            f = extra
        # insertion into the descending buffer; buf[k] is scratch for the value that drops out
        buf[n] = values[f]
        pos = n
        while pos > 0 and buf[pos - 1] < buf[pos]:
            tmp = buf[pos - 1]
            buf[pos - 1] = buf[pos]
            buf[pos] = tmp
            pos -= 1
        if n < k:
            n += 1
    total = 0.0
    for j in range(n):
        total += buf[j]
    return total


@njit(cache=True)
def kth_largest_or_min(values, goods, count, k):
    """The smallest value a new good must beat to raise u_i: the k-th largest held value if the
    agent holds at least k goods, else the smallest held value (-inf when it holds nothing)."""
    if count == 0:
        return -np.inf
    if count < k:
        m = np.inf
        for j in range(count):
            if values[goods[j]] < m:
                m = values[goods[j]]
        return m
    buf = np.empty(count)
    for j in range(count):
        buf[j] = values[goods[j]]
    buf.sort()
    return buf[count - k]


@njit(cache=True)
def remove_good(hold, count, agent, good):
    """Remove ``good`` from ``agent``'s row (swap with the last entry)."""
    c = count[agent]
    for j in range(c):
        if hold[agent, j] == good:
            hold[agent, j] = hold[agent, c - 1]
            count[agent] = c - 1
            return True
    return False


@njit(cache=True)
def add_good(hold, count, agent, good):
    hold[agent, count[agent]] = good
    count[agent] += 1


@njit(cache=True)
def all_satisfactions(s, hold, count, k):
    """u_i for every agent, shape (N,)."""
    n = s.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = top_k_sum(s[i], hold[i], count[i], k, -1, -1)
    return out


def holdings_arrays(owner: np.ndarray, n_agents: int):
    """(hold, count) from an owner vector (Python; used once per run)."""
    owner = np.asarray(owner, dtype=np.int64)
    n_goods = owner.size
    hold = np.full((n_agents, max(n_goods, 1)), -1, dtype=np.int64)
    count = np.zeros(n_agents, dtype=np.int64)
    for f in range(n_goods):
        i = owner[f]
        if i >= 0:
            hold[i, count[i]] = f
            count[i] += 1
    return hold, count

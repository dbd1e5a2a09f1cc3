"""Bartering: one-for-one swaps that both parties accept (seed 003, scenario 2).

Agents a and b swap f_a (held by a) for f_b (held by b) only if both strictly gain (seed §3:
"only in the case that both parties benefit"):

    u_a(H_a - f_a + f_b) > u_a(H_a)   and   u_b(H_b - f_b + f_a) > u_b(H_b).

Search ([RECON], the seed does not say): agents in a random order; agent a scans the goods of
others in decreasing s[a, ·] (stopping once no good could raise u_a) and executes the first
good f_b for which some own good f_a makes the swap acceptable to both, giving the f_a that
raises u_a most (ties: the first held). Each agent initiates at most one swap per tick.
``scope="listed"`` restricts both goods to the offer book (listing by the medium-restrictive
rule plus the forced step); ``scope="all"`` (default) lets agents look at every good.

With homogeneous preferences no swap is ever acceptable: the top-K sum is non-decreasing in each
value, so a gains only if s_{f_b} > s_{f_a} and b only if s_{f_a} > s_{f_b} (seed §4).
"""
from __future__ import annotations

from numba import njit

from ._kernels import add_good, kth_largest_or_min, remove_good, top_k_sum

__all__ = []


@njit(cache=True)
def barter_phase(s, owner, hold, count, k, preference_order, listed, listed_only, order, util,
                 tick, log):
    """One tick of swaps. ``preference_order[a]`` lists the goods by decreasing s[a, ·].
    Holdings and ``util`` are modified in place; swaps are written to ``log`` rows
    (tick, a, b, good a receives, good a gives). Returns the number of swaps."""
    m = s.shape[1]
    n_trades = 0
    for a in order:
        if count[a] == 0:
            continue
        threshold = kth_largest_or_min(s[a], hold[a], count[a], k)
        done = False
        for idx in range(m):
            g = preference_order[a, idx]
            if s[a, g] <= threshold:
                break                       # nothing further down can raise u_a
            b = owner[g]
            if b < 0 or b == a:
                continue
            if listed_only and not listed[g]:
                continue
            best_f = -1
            best_ua = util[a]
            best_ub = 0.0
            for j in range(count[a]):
                f = hold[a, j]
                if listed_only and not listed[f]:
                    continue
                ua = top_k_sum(s[a], hold[a], count[a], k, f, g)
                if ua <= best_ua:
                    continue
                ub = top_k_sum(s[b], hold[b], count[b], k, g, f)
                if ub <= util[b]:
                    continue
                best_f = f
                best_ua = ua
                best_ub = ub
            if best_f >= 0:
                remove_good(hold, count, a, best_f)
                remove_good(hold, count, b, g)
                add_good(hold, count, a, g)
                add_good(hold, count, b, best_f)
                owner[g] = a
                owner[best_f] = b
                listed[g] = False
                listed[best_f] = False
                util[a] = best_ua
                util[b] = best_ub
                log[n_trades, 0] = tick
                log[n_trades, 1] = a
                log[n_trades, 2] = b
                log[n_trades, 3] = g
                log[n_trades, 4] = best_f
                n_trades += 1
                done = True
            if done:
                break
    return n_trades

"""Maximum clearing as a maximum flow: the reduction behind the seed's Theorem 1 (seed 004, §3.3).

When budgets do not bind, maximum clearing with absolute prices is a max-flow problem on

    source -> seller s              capacity v^G_s
    seller s -> buyer b (in)        if p^G_s <= p̄^G_b (uncapacitated)
    buyer b (in) -> buyer b (out)   capacity v̄^G_b
    buyer b (out) -> sink           capacity R̃_b (its own Rights; unlimited in a free market)
    buyer b (out) -> b's Right bid  capacity v̄^R_b
    b's Right bid -> Right seller t if t != b and p^R_t <= p̄^R_b (uncapacitated)
    Right seller t -> sink          capacity v^R_t

so every unit of Good reaching the sink carries one unit of Right (own or bought). Budgets are
ignored (a buyer is assumed to afford its bids), which is why the LP of :mod:`.clearing` is the
mechanism and this is its cross-check. ``scipy.sparse.csgraph.maximum_flow`` needs integer
capacities: volumes are floored to multiples of ``resolution``.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from .._arrays import check_positive
from .book import Clearing, OrderBook

__all__ = ["maximum_clearing_flow"]

_BIG = 2**30


def maximum_clearing_flow(book: OrderBook, *, resolution: float = 1e-6) -> Clearing:
    """Max-flow clearing of ``book`` with absolute prices, budgets ignored (Theorem 1)."""
    if not isinstance(book, OrderBook):
        raise TypeError(f"book: expected an OrderBook; got {type(book).__name__}")
    check_positive("resolution", resolution)
    S, B = book.n_sellers, book.n_buyers
    # nodes: 0 source, 1 sink, sellers, buyers in, buyers out, Right bids, Right sellers
    src, snk = 0, 1
    sel = 2 + np.arange(S)
    b_in = 2 + S + np.arange(B)
    b_out = b_in + B
    r_bid = b_out + B
    r_sel = r_bid + B
    n = 2 + S + 4 * B

    def units(x):
        return np.minimum(np.floor(np.asarray(x) / resolution + 1e-9), _BIG).astype(np.int64)

    edges = []                                            # (u, v, capacity)
    for s in range(S):
        edges.append((src, sel[s], units(book.good_volumes[s])))
        for b in range(B):
            if book.good_prices[s] <= book.bid_good_prices[b]:
                edges.append((sel[s], b_in[b], _BIG))
    for b in range(B):
        edges.append((b_in[b], b_out[b], units(book.bid_good_volumes[b])))
        if not book.rights_enforced:
            edges.append((b_out[b], snk, _BIG))
            continue
        edges.append((b_out[b], snk, units(book.kept_rights[b])))
        edges.append((b_out[b], r_bid[b], units(book.bid_right_volumes[b])))
        for t in range(B):
            if t != b and book.right_prices[t] <= book.bid_right_prices[b]:
                edges.append((r_bid[b], r_sel[t], _BIG))
    if book.rights_enforced:
        for t in range(B):
            edges.append((r_sel[t], snk, units(book.right_volumes[t])))
    u, v, cap = (np.array(x, dtype=np.int64) for x in zip(*edges))
    graph = sp.csr_array((cap.astype(np.int32), (u, v)), shape=(n, n))
    res = maximum_flow(graph, src, snk)
    flow = res.flow.toarray() * resolution
    g = np.clip(flow[np.ix_(sel, b_in)], 0, None)
    r = np.zeros((B, B))
    if book.rights_enforced:
        r = np.clip(flow[np.ix_(r_bid, r_sel)].T, 0, None)   # r[t, b] = flow bid(b) -> seller(t)
    good_prices = np.repeat(book.good_prices[:, None], B, axis=1)
    right_prices = np.repeat(book.right_prices[:, None], B, axis=1)
    for a in (g, r, good_prices, right_prices):
        a.setflags(write=False)
    return Clearing(g, r, good_prices, right_prices, True, 0, "cleared (budgets ignored)",
                    "max_flow", {"resolution": float(resolution),
                                 "rights_enforced": book.rights_enforced})

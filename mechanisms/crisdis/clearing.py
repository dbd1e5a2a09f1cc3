"""The four market mechanisms μ of Crisdis (seed 004, §3) that clear an order book.

``"random"`` (§3.1)
    buyers, sellers and Right sellers in uniformly random orders; each buyer first buys Good with
    the Rights it kept (stage 1), then Good and Right in equal amounts (stage 2), in list order,
    only from compatible offers (ask <= its bid), up to its money, the offers and its bid volumes.
``"greedy"`` (§3.2)
    the same two stages with buyers by decreasing Good bid, sellers and Right sellers by
    increasing ask (ties by index).
``"max_absolute"`` (§3.3, Thm. 1)
    the trades maximising the Good volume Σ g subject to offers, bid volumes, budgets, the Rights
    constraint, no self-trade of Right and per-trade price compatibility: a linear program.
``"max_average"`` (§3.4, Thm. 2)
    the same with compatibility on each buyer's average price, Σ_s p^G_s g[s, b] <= p̄^G_b Σ_s
    g[s, b] (and likewise for Right), a relaxation of ``"max_absolute"``.

Trades settle at the asking price ([CODE]). The LPs are solved by ``scipy.optimize.linprog``
(HiGHS, presolve off: the books are tiny). Their optimum is usually not unique and
nothing in the LP stops a buyer from buying Rights it does not need, so by default each buyer's
Right purchases are then scaled down to what its Good needs (``tie_break="trim_rights"``; this
keeps every constraint and the maximal volume, see ``_trim_rights``); ``"none"`` keeps the LP's
vertex, as the authors' single CBC solve did. Several books are cleared in one block-diagonal LP
(the blocks are independent, so the block optima are the books' optima); this is how the crisis
simulator amortises the solver's overhead.

Options that reproduce the authors' code (Sychrovský et al., repository
``Price-of-Anarchy-in-a-Double-Sided-Critical-Distribution-System``, ``environment.py``):
``eps_trade=1e-4`` (random/greedy: every trade is shortened by 1e-4 and dropped if not positive)
and ``capacity_margin=1e-4`` (LPs: offers, money and kept Rights are shrunk by 1e-4, clipped at 0).
Both default to 0, the paper's definitions. In a free market (``rights_enforced=False``) no Right
is needed and none is traded (the code also runs stage 2 there, where it can only sell useless
Rights).

References
----------
.. [1] D. Sychrovský, J. Černý, S. Lichau and M. Loebl, "Price of anarchy in a double-sided
   critical distribution system", AAMAS 2023 (arXiv:2302.09959), §3.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.optimize import linprog

from .._arrays import check_choice, check_number
from .book import Clearing, OrderBook

__all__ = ["clear", "CLEARING_METHODS", "TIE_BREAKS"]

CLEARING_METHODS = ("random", "greedy", "max_absolute", "max_average")
TIE_BREAKS = ("trim_rights", "none")
_OPTIONS = {"random": ("eps_trade",), "greedy": ("eps_trade",),
            "max_absolute": ("capacity_margin", "tie_break"),
            "max_average": ("capacity_margin", "tie_break")}
_FIELDS = ("good_volumes", "good_prices", "right_volumes", "right_prices", "bid_good_volumes",
           "bid_good_prices", "bid_right_volumes", "bid_right_prices", "kept_rights", "money")


def resolve_options(method: str, options: dict) -> dict:
    """Validate ``method`` and its options; return them with defaults filled in."""
    check_choice("method", method, CLEARING_METHODS)
    unknown = set(options) - set(_OPTIONS[method])
    if unknown:
        raise TypeError(f"clear(): method {method!r} takes the options {_OPTIONS[method]}; "
                        f"got {sorted(unknown)}")
    out = {}
    if method in ("random", "greedy"):
        eps = options.get("eps_trade", 0.0)
        check_number("eps_trade", eps, nonnegative=True)
        out["eps_trade"] = float(eps)
    else:
        margin = options.get("capacity_margin", 0.0)
        check_number("capacity_margin", margin, nonnegative=True)
        tie = options.get("tie_break", "trim_rights")
        check_choice("tie_break", tie, TIE_BREAKS)
        out.update(capacity_margin=float(margin), tie_break=tie)
    return out


def clear(book: OrderBook, method: str = "greedy", *, seed=None, **options) -> Clearing:
    """Clear ``book`` with one of :data:`CLEARING_METHODS`.

    Parameters
    ----------
    book : OrderBook
    method : {"random", "greedy", "max_absolute", "max_average"}
    seed : seed of the random orders (``"random"`` only)
    **options : ``eps_trade`` (random, greedy); ``capacity_margin``, ``tie_break`` (LPs)

    Returns
    -------
    Clearing
        Flows g (S, B) and r (B, B), settled at the asking prices; ``success`` is False (and no
        trade returned) only if the LP solver failed.
    """
    if not isinstance(book, OrderBook):
        raise TypeError(f"book: expected an OrderBook; got {type(book).__name__}")
    opts = resolve_options(method, options)
    arrays = tuple(getattr(book, f)[None, :] for f in _FIELDS)
    rng = np.random.default_rng(seed) if method == "random" else None
    g, r, status = clear_batch(method, arrays, book.rights_enforced, rng, opts)
    n_b = book.n_buyers
    good_prices = np.repeat(book.good_prices[:, None], n_b, axis=1)
    right_prices = np.repeat(book.right_prices[:, None], n_b, axis=1)
    g, r = g[0], r[0]
    for a in (g, r, good_prices, right_prices):
        a.setflags(write=False)
    ok = bool(status[0] == 0)
    params = {"seed": seed} if method == "random" else {}
    params.update(opts)
    params["rights_enforced"] = book.rights_enforced
    return Clearing(g, r, good_prices, right_prices, ok, int(status[0]),
                    "cleared" if ok else "the LP solver failed; no trades", method, params)


def clear_batch(method, arrays, rights_enforced, rng, options):
    """Clear E books at once. ``arrays`` are the ten book fields of :data:`_FIELDS`, each with a
    leading episode axis ((E, S) or (E, B)). Returns g (E, S, B), r (E, B, B), status (E,)."""
    vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money = (np.ascontiguousarray(a, dtype=np.float64)
                                                       for a in arrays)
    n_e, n_s = vg.shape
    n_b = bvg.shape[1]
    if method in ("random", "greedy"):
        if method == "greedy":
            buyers = np.argsort(-bpg, axis=1, kind="stable")
            sellers = np.argsort(pg, axis=1, kind="stable")
            right_sellers = np.argsort(pr, axis=1, kind="stable")
        else:
            buyers = rng.permuted(np.tile(np.arange(n_b), (n_e, 1)), axis=1)
            sellers = rng.permuted(np.tile(np.arange(n_s), (n_e, 1)), axis=1)
            right_sellers = rng.permuted(np.tile(np.arange(n_b), (n_e, 1)), axis=1)
        g = np.zeros((n_e, n_s, n_b))
        r = np.zeros((n_e, n_b, n_b))
        _sequential_batch(vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money, rights_enforced,
                          buyers.astype(np.int64), sellers.astype(np.int64),
                          right_sellers.astype(np.int64), options["eps_trade"], g, r)
        return g, r, np.zeros(n_e, dtype=np.int64)
    return _lp_batch(vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money, rights_enforced,
                     method == "max_average", options["capacity_margin"], options["tie_break"])


# ----------------------------------------------------------------------------- random / greedy

@njit(cache=True)
def _sequential(vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money, enforce, buyers, sellers,
                right_sellers, eps, g, r):
    """Two-stage sequential clearing of one book in the given orders (§3.1-3.2). ``g`` (S, B)
    and ``r`` (B, B) are filled in place."""
    supply = vg.copy()
    right_supply = vr.copy()
    want_g = bvg.copy()
    want_r = bvr.copy()
    rights_left = kept.copy()
    cash = money.copy()
    for b in buyers:
        # stage 1: Good with the buyer's own Rights (unlimited in a free market)
        for s in sellers:
            if pg[s] > bpg[b]:
                continue
            q = min(supply[s], want_g[b])
            if enforce:
                q = min(q, rights_left[b])
            if pg[s] > 0:
                q = min(q, cash[b] / pg[s])
            q -= eps
            if q > 0:
                g[s, b] += q
                supply[s] -= q
                want_g[b] -= q
                cash[b] = max(cash[b] - q * pg[s], 0.0)
                if enforce:
                    rights_left[b] -= q
        if not enforce:
            continue
        # stage 2: Good and Right in pairs, cheapest first
        for s in sellers:
            for t in right_sellers:
                if t == b or pg[s] > bpg[b] or pr[t] > bpr[b]:
                    continue
                q = min(supply[s], right_supply[t], want_g[b], want_r[b])
                price = pg[s] + pr[t]
                if price > 0:
                    q = min(q, cash[b] / price)
                q -= eps
                if q > 0:
                    g[s, b] += q
                    r[t, b] += q
                    supply[s] -= q
                    right_supply[t] -= q
                    want_g[b] -= q
                    want_r[b] -= q
                    cash[b] = max(cash[b] - q * price, 0.0)


@njit(cache=True)
def _sequential_batch(vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money, enforce, buyers, sellers,
                      right_sellers, eps, g, r):
    for e in range(vg.shape[0]):
        _sequential(vg[e], pg[e], vr[e], pr[e], bvg[e], bpg[e], bvr[e], bpr[e], kept[e], money[e],
                    enforce, buyers[e], sellers[e], right_sellers[e], eps, g[e], r[e])


# ----------------------------------------------------------------------------- linear programs

def _lp_template(n_s, n_b, with_rights, average):
    """Sparse pattern of one block: (row, col, kind, i, b) per nonzero and the row kinds.

    Variables: g[s, b] at s*B + b, then (with Rights) r[t, b] at S*B + t*B + b.
    kind: 0 -> 1, 1 -> -1, 2 -> p^G_s, 3 -> p^R_t, 4 -> p^G_s - p̄^G_b, 5 -> p^R_t - p̄^R_b.
    """
    gi = lambda s, b: s * n_b + b                     # noqa: E731
    ri = lambda t, b: n_s * n_b + t * n_b + b         # noqa: E731
    entries, rows = [], []

    def add(kind, index, cells):                      # one row: its (col, kind, i, b) cells
        entries.extend((len(rows),) + c for c in cells)
        rows.append((kind, index))

    def goods(b, kind):                                # g[s, b] for every seller s
        return [(gi(s, b), kind, s, b) for s in range(n_s)]

    def rights(b, kind):                               # r[t, b] for every other buyer t
        return [(ri(t, b), kind, t, b) for t in range(n_b) if t != b]

    for s in range(n_s):                               # 1: Good offers
        add("supply_g", s, [(gi(s, b), 0, s, b) for b in range(n_b)])
    if with_rights:
        for t in range(n_b):                           # 1: Right offers
            add("supply_r", t, [(ri(t, b), 0, t, b) for b in range(n_b) if b != t])
    for b in range(n_b):                               # 2: bid volumes
        add("bid_g", b, goods(b, 0))
    if with_rights:
        for b in range(n_b):
            add("bid_r", b, rights(b, 0))
    for b in range(n_b):                               # budgets
        add("budget", b, goods(b, 2) + (rights(b, 3) if with_rights else []))
    if with_rights:
        for b in range(n_b):                           # Rights cover the Good
            add("rights", b, goods(b, 0) + rights(b, 1))
    if average:
        for b in range(n_b):                           # 4 on average
            add("average_g", b, goods(b, 4))
        if with_rights:
            for b in range(n_b):
                add("average_r", b, rights(b, 5))
    return np.array(entries, dtype=np.int64).reshape(-1, 5), rows


def _lp_batch(vg, pg, vr, pr, bvg, bpg, bvr, bpr, kept, money, enforce, average, margin,
              tie_break):
    n_e, n_s = vg.shape
    n_b = bvg.shape[1]
    entries, rows = _lp_template(n_s, n_b, enforce, average)
    n_g = n_s * n_b
    n_v = n_g + (n_b * n_b if enforce else 0)
    n_r = len(rows)
    row, col, kind, i, b = entries.T
    e_idx = np.repeat(np.arange(n_e), row.size)
    i_t, b_t, k_t = np.tile(i, n_e), np.tile(b, n_e), np.tile(kind, n_e)
    vals = np.ones(e_idx.size)
    vals[k_t == 1] = -1.0
    for code in (2, 3, 4, 5):
        mask = k_t == code
        e_m, i_m, b_m = e_idx[mask], i_t[mask], b_t[mask]
        vals[mask] = (pg[e_m, i_m] if code == 2 else pr[e_m, i_m] if code == 3
                      else pg[e_m, i_m] - bpg[e_m, b_m] if code == 4
                      else pr[e_m, i_m] - bpr[e_m, b_m])
    A = sp.csr_array((vals, (np.tile(row, n_e) + e_idx * n_r, np.tile(col, n_e) + e_idx * n_v)),
                     shape=(n_e * n_r, n_e * n_v))
    shrink = lambda x: np.clip(x - margin, 0.0, None)  # noqa: E731
    rhs_parts = {"supply_g": shrink(vg), "supply_r": shrink(vr), "bid_g": bvg, "bid_r": bvr,
                 "budget": shrink(money), "rights": shrink(kept),
                 "average_g": np.zeros_like(bvg), "average_r": np.zeros_like(bvg)}
    rhs = np.empty((n_e, n_r))
    for j, (name, index) in enumerate(rows):
        rhs[:, j] = rhs_parts[name][:, index]
    # bounds: compatibility (absolute), no self-trade, and the obvious caps
    ub = np.empty((n_e, n_v))
    cap_g = np.minimum(vg[:, :, None], bvg[:, None, :])               # (E, S, B)
    if not average:
        cap_g = np.where(pg[:, :, None] > bpg[:, None, :], 0.0, cap_g)
    ub[:, :n_g] = cap_g.reshape(n_e, n_g)
    if enforce:
        cap_r = np.minimum(vr[:, :, None], bvr[:, None, :])           # (E, T, B)
        if not average:
            cap_r = np.where(pr[:, :, None] > bpr[:, None, :], 0.0, cap_r)
        cap_r[:, np.arange(n_b), np.arange(n_b)] = 0.0
        ub[:, n_g:] = cap_r.reshape(n_e, n_b * n_b)
    bounds = np.column_stack([np.zeros(n_e * n_v), ub.ravel()])
    c = np.zeros((n_e, n_v))
    c[:, :n_g] = -1.0
    res = linprog(c.ravel(), A_ub=A, b_ub=rhs.ravel(), bounds=bounds, method="highs",
                  options={"presolve": False})
    status = np.zeros(n_e, dtype=np.int64)
    if res.status != 0:
        status[:] = 1
        return np.zeros((n_e, n_s, n_b)), np.zeros((n_e, n_b, n_b)), status
    x = res.x.reshape(n_e, n_v)
    x = np.clip(x, 0.0, None)
    g = x[:, :n_g].reshape(n_e, n_s, n_b)
    r = x[:, n_g:].reshape(n_e, n_b, n_b) if enforce else np.zeros((n_e, n_b, n_b))
    if enforce and tie_break == "trim_rights":
        r = _trim_rights(g, r, np.clip(kept - margin, 0.0, None))
    return g, r, status


def _trim_rights(g, r, kept):
    """Scale each buyer's Right purchases down to max(Σ_s g[s, b] - R̃_b, 0), what its Good needs.

    Scaling every r[., b] by one factor in [0, 1] keeps all constraints: offers, bid volumes and
    budgets only loosen, the Rights constraint holds with equality where Rights were bought, and
    price compatibility (per trade or on average) is unchanged. The Good flows are untouched, so
    the volume stays maximal."""
    bought = r.sum(axis=1)                                         # (E, B)
    need = np.maximum(g.sum(axis=1) - kept, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(bought > need, need / np.where(bought > 0, bought, 1.0), 1.0)
    return r * factor[:, None, :]

"""The order book of one buyers' stage of a Crisdis Market, the trades that clear it, and the
five market conditions of the seed's Definition 2.

Notation (seed 004, §2-3): sellers s in S offer v^G_s of Good at price p^G_s; buyers b in B offer
v^R_b of their Right at p^R_b and bid for up to v̄^G_b Good at (at most) p̄^G_b and up to v̄^R_b
Right at (at most) p̄^R_b; buyer b keeps the Rights R̃_b = R_b - v^R_b and holds money M_b.
A clearing is a pair of flow matrices, Good g[s, b] >= 0 and Right r[t, b] >= 0 (t a buyer
selling Right to buyer b), with the price each unit changes hands at. Trades settle at the
asking price, as in the authors' code (the paper lets the price be anything in the compatible
interval).

Definition 2 asks of a market mechanism that

1. no trader sells more Good or Right than it offers;
2. no buyer buys more Good or Right than it declares;
3. no trader sells for less than its asking price;
4. no buyer pays more than its bid price (absolute mechanisms), or more on average (average
   mechanism), separately for Good and Right;
5. no buyer buys Rights from itself.

With Rights enforced a buyer must also hold Rights for its Good (the seed's §1: Good bought <=
Rights kept + Rights bought), and any trade must be affordable (payments <= money).
:func:`market_conditions` checks all of these.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from .._arrays import check_choice

__all__ = ["OrderBook", "Clearing", "MarketConditions", "market_conditions"]


def nonnegative_vector(name, value, size=None, *, nonzero=False):
    """``value`` as a read-only vector of finite values >= 0: ``size`` of them (a number fills
    them), else at least one; ``nonzero``: not all 0."""
    a = np.array(value, dtype=np.float64, copy=True).reshape(-1) if np.ndim(value) or size is None \
        else np.full(size, float(value))
    if a.size == 0 or (size is not None and a.shape != (size,)):
        raise ValueError(f"{name}: expected {size or 'some'} values; got shape {np.shape(value)}")
    if not np.all(np.isfinite(a)) or np.any(a < 0) or (nonzero and np.all(a == 0)):
        raise ValueError(f"{name}: expected finite values >= 0{', not all 0' if nonzero else ''}; "
                         f"got {a}")
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class OrderBook:
    """Offers and bids of one buyers' stage.

    Attributes (all arrays read-only, >= 0)
    ----------
    good_volumes, good_prices : (S,)          v^G_s, p^G_s
    right_volumes, right_prices : (B,)        v^R_b, p^R_b (Right offered by each buyer)
    bid_good_volumes, bid_good_prices : (B,)  v̄^G_b, p̄^G_b
    bid_right_volumes, bid_right_prices : (B,) v̄^R_b, p̄^R_b
    kept_rights : (B,)                        R̃_b = R_b - v^R_b
    money : (B,)                              M_b available for this stage
    rights_enforced : bool                    False: free market (no Rights needed or traded)
    """
    good_volumes: np.ndarray
    good_prices: np.ndarray
    right_volumes: np.ndarray
    right_prices: np.ndarray
    bid_good_volumes: np.ndarray
    bid_good_prices: np.ndarray
    bid_right_volumes: np.ndarray
    bid_right_prices: np.ndarray
    kept_rights: np.ndarray
    money: np.ndarray
    rights_enforced: bool = True

    def __post_init__(self):
        n_s = np.size(self.good_volumes)
        n_b = np.size(self.bid_good_volumes)
        if n_s < 1 or n_b < 1:
            raise ValueError("good_volumes, bid_good_volumes: need at least one seller and "
                             "one buyer")
        for name in ("good_volumes", "good_prices"):
            object.__setattr__(self, name, nonnegative_vector(name, getattr(self, name), n_s))
        for name in ("right_volumes", "right_prices", "bid_good_volumes", "bid_good_prices",
                     "bid_right_volumes", "bid_right_prices", "kept_rights", "money"):
            object.__setattr__(self, name, nonnegative_vector(name, getattr(self, name), n_b))
        object.__setattr__(self, "rights_enforced", bool(self.rights_enforced))

    @property
    def n_sellers(self) -> int:
        return self.good_volumes.size

    @property
    def n_buyers(self) -> int:
        return self.bid_good_volumes.size


@dataclass(frozen=True, eq=False)
class Clearing:
    """The trades that clear a book.

    Attributes
    ----------
    good : ndarray (S, B)          g[s, b], Good from seller s to buyer b
    rights : ndarray (B, B)        r[t, b], Right from buyer t to buyer b
    good_prices : ndarray (S, B)   unit price of each Good trade (the ask p^G_s)
    right_prices : ndarray (B, B)  unit price of each Right trade (the ask p^R_t)
    success, status, message       0: cleared; 1: the LP solver failed (no trades returned)
    method, parameters
    """
    good: np.ndarray = field(repr=False)
    rights: np.ndarray = field(repr=False)
    good_prices: np.ndarray = field(repr=False)
    right_prices: np.ndarray = field(repr=False)
    success: bool = True
    status: int = 0
    message: str = "cleared"
    method: str = ""
    parameters: dict = field(default_factory=dict)

    @property
    def volume(self) -> float:
        """Σ g: the Good traded."""
        return float(self.good.sum())

    @property
    def good_bought(self) -> np.ndarray:
        return self.good.sum(axis=0)

    @property
    def rights_bought(self) -> np.ndarray:
        return self.rights.sum(axis=0)

    @property
    def rights_sold(self) -> np.ndarray:
        return self.rights.sum(axis=1)

    @property
    def payments(self) -> np.ndarray:
        """Money each buyer pays, (B,)."""
        return ((self.good * self.good_prices).sum(axis=0)
                + (self.rights * self.right_prices).sum(axis=0))

    @property
    def seller_revenue(self) -> np.ndarray:
        return (self.good * self.good_prices).sum(axis=1)

    @property
    def right_revenue(self) -> np.ndarray:
        """Money each buyer receives for the Right it sold, (B,)."""
        return (self.rights * self.right_prices).sum(axis=1)


@dataclass(frozen=True, eq=False)
class MarketConditions:
    """Violations (>= 0; 0 = satisfied) of Def. 2 and of the feasibility constraints.

    ``violations`` maps a condition name to the largest violation found; ``holds`` is True when
    every violation is at most ``tol``.
    """
    violations: dict
    holds: bool
    tol: float
    prices: str

    def failed(self) -> list:
        return [k for k, v in self.violations.items() if v > self.tol]


def market_conditions(book: OrderBook, clearing: Clearing, *, prices: str = "absolute",
                      tol: float = 1e-7) -> MarketConditions:
    """Check a clearing against Definition 2 (and rights, budgets, non-negativity).

    ``prices="absolute"``: condition 4 per trade; ``"average"``: on the buyer's average price of
    Good and of Right. Tolerances are absolute (LP solutions are feasible up to ~1e-9).
    """
    check_choice("prices", prices, ("absolute", "average"))
    g, r = clearing.good, clearing.rights
    pg, pr = clearing.good_prices, clearing.right_prices
    if g.shape != (book.n_sellers, book.n_buyers) or r.shape != (book.n_buyers, book.n_buyers):
        raise ValueError(f"clearing: shapes {g.shape}, {r.shape} do not fit the book "
                         f"({book.n_sellers} sellers, {book.n_buyers} buyers)")
    v = {}
    v["nonnegative trades"] = max(0.0, -g.min(), -r.min())
    # 1: no trader sells more than offered
    v["1 sells at most the offer"] = max(0.0, (g.sum(1) - book.good_volumes).max(),
                                         (r.sum(1) - book.right_volumes).max())
    # 2: no buyer buys more than declared
    v["2 buys at most the bid volume"] = max(0.0, (g.sum(0) - book.bid_good_volumes).max(),
                                             (r.sum(0) - book.bid_right_volumes).max())
    # 3: no sale below the asking price (only where something is traded)
    traded_g, traded_r = g > 0, r > 0
    v["3 no sale below the ask"] = max(
        0.0, np.max(np.where(traded_g, book.good_prices[:, None] - pg, 0.0) * g),
        np.max(np.where(traded_r, book.right_prices[:, None] - pr, 0.0) * r))
    # 4: no purchase above the bid (per trade, or on average); measured as money overpaid
    if prices == "absolute":
        v["4 no purchase above the bid"] = max(
            0.0, np.max(np.where(traded_g, pg - book.bid_good_prices[None, :], 0.0) * g),
            np.max(np.where(traded_r, pr - book.bid_right_prices[None, :], 0.0) * r))
    else:
        over_g = (pg * g).sum(0) - book.bid_good_prices * g.sum(0)
        over_r = (pr * r).sum(0) - book.bid_right_prices * r.sum(0)
        v["4 no purchase above the bid"] = max(0.0, over_g.max(), over_r.max())
    # 5: no buyer buys Rights from itself
    v["5 no Right bought from oneself"] = float(np.abs(np.diag(r)).max())
    # feasibility
    payments = (g * pg).sum(0) + (r * pr).sum(0)
    v["budget"] = max(0.0, (payments - book.money).max())
    if book.rights_enforced:
        v["rights cover the Good"] = max(0.0, (g.sum(0) - book.kept_rights - r.sum(0)).max())
    else:
        v["no Right traded in a free market"] = float(np.abs(r).max())
    v = {k: float(x) for k, x in v.items()}
    return MarketConditions(v, all(x <= tol for x in v.values()), float(tol), prices)

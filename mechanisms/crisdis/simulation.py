"""Rollouts of a Crisis: E episodes at once, given every trader's actions (seed 004, §2, the
authors' ``run_market`` step order).

Actions are the authors' normalised ones, in [0, 1]:

* seller (``SELLER_ACTIONS``): the fraction of its Good offered, the ask price / P;
* buyer (``BUYER_ACTIONS``): the fraction of its Rights offered, the Right ask / P, the Good bid
  volume / ``max_volume``, the Good bid price / P, the Right bid volume / ``max_volume``, the
  Right bid price / P.

Per Market i = 0..T-1: resupply (G_s += G^1_s, M_b += M^1_b); sellers offer; Rights
R = CG(claims, V); then ``stages`` times: Right offers and bids, clearing, utilities, consumption;
finally the Market's pending money is credited, the sellers' storage cost charged and, after the
last Market, the terminal terms. Frustration is f_b = max((R_b - bought_b) / R_b, 0) (0 if
R_b = 0) with ``bought_b`` summed over the stages ([CODE]); in a free market R is the potential
allocation, computed but not enforced (seed Def. 4).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .claims import EXCESS_RULES, contested_garment_rows
from .clearing import clear_batch
from .crisis import Crisis
from .metrics import frustration as _frustration

__all__ = ["Rollout", "rollout", "SELLER_ACTIONS", "BUYER_ACTIONS"]

SELLER_ACTIONS = ("offer_fraction", "ask_price")
BUYER_ACTIONS = ("right_offer_fraction", "right_ask_price", "good_bid_volume", "good_bid_price",
                 "right_bid_volume", "right_bid_price")


@dataclass(frozen=True, eq=False)
class Rollout:
    """E simulated Crises.

    Attributes (E episodes, T Markets, S sellers, B buyers; traders are sellers then buyers)
    ----------
    rewards : (E, T, S + B)      u_t per Market (terminal terms in the last Market)
    returns : (E, S + B)         Σ_i γ^i u_t,i
    rights : (E, T, B)           R at the start of each Market (potential ones in a free market)
    bought : (E, T, B)           Good bought in each Market (all stages)
    frustration : (E, T, B)
    offered : (E, T)             V, Good offered
    traded : (E, T)              Good traded
    mean_ask : (E, T)            volume-weighted ask price of the Good traded (nan if none)
    seller_income : (E, T, S)    money each seller received in each Market
    final_seller_good : (E, S)   sellers' stock after the last Market
    final_buyer_money : (E, B)   buyers' money after the last Market
    solver_failures : int        LP clearings that failed (no trades were made there)
    """
    rewards: np.ndarray = field(repr=False)
    returns: np.ndarray = field(repr=False)
    rights: np.ndarray = field(repr=False)
    bought: np.ndarray = field(repr=False)
    frustration: np.ndarray = field(repr=False)
    offered: np.ndarray = field(repr=False)
    traded: np.ndarray = field(repr=False)
    mean_ask: np.ndarray = field(repr=False)
    seller_income: np.ndarray = field(repr=False)
    final_seller_good: np.ndarray = field(repr=False)
    final_buyer_money: np.ndarray = field(repr=False)
    solver_failures: int = 0


def rollout(crisis: Crisis, seller_actions, buyer_actions, *, seed=None) -> Rollout:
    """Simulate E Crises.

    Parameters
    ----------
    crisis : Crisis
    seller_actions : array (E, T, S, 2) in [0, 1]
    buyer_actions : array (E, T, k, B, 6) in [0, 1]
    seed : seeds the random orders of the ``"random"`` mechanism
    """
    if not isinstance(crisis, Crisis):
        raise TypeError(f"crisis: expected a Crisis; got {type(crisis).__name__}")
    S, B, T, k = crisis.n_sellers, crisis.n_buyers, crisis.n_markets, crisis.stages
    xs = np.asarray(seller_actions, dtype=np.float64)
    xb = np.asarray(buyer_actions, dtype=np.float64)
    if xs.ndim != 4 or xs.shape[1:] != (T, S, 2):
        raise ValueError(f"seller_actions: expected shape (E, {T}, {S}, 2); got {xs.shape}")
    E = xs.shape[0]
    if xb.shape != (E, T, k, B, 6):
        raise ValueError(f"buyer_actions: expected shape ({E}, {T}, {k}, {B}, 6); got {xb.shape}")
    for name, a in (("seller_actions", xs), ("buyer_actions", xb)):
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise ValueError(f"{name}: actions must lie in [0, 1]")
    rng = np.random.default_rng(seed)
    P, V, C1, C2, C3 = (crisis.max_price, crisis.max_volume, crisis.storage_cost,
                        crisis.terminal_good_value, crisis.terminal_money_value)
    D = np.broadcast_to(crisis.demands, (E, B))
    enforce = crisis.fairness == "rights"
    excess = EXCESS_RULES.index(crisis.excess)
    good_s = np.zeros((E, S))
    money = np.zeros((E, B))
    good_b = np.zeros((E, B))
    rewards = np.zeros((E, T, S + B))
    rights_log = np.zeros((E, T, B))
    bought_log = np.zeros((E, T, B))
    offered_log = np.zeros((E, T))
    traded_log = np.zeros((E, T))
    ask_log = np.full((E, T), np.nan)
    income_log = np.zeros((E, T, S))
    failures = 0
    zeros_b = np.zeros((E, B))
    for i in range(T):
        good_s += crisis.supply
        money += crisis.earnings
        good_s_start, money_start = good_s.copy(), money.copy()
        offer = xs[:, i, :, 0] * good_s
        ask = xs[:, i, :, 1] * P
        claims = D if crisis.claims == "demand" else np.maximum(D - good_b, 0.0)
        offered_log[:, i] = offer.sum(axis=1)
        R = np.empty((E, B))
        contested_garment_rows(np.ascontiguousarray(claims), offered_log[:, i].copy(), excess, R)
        rights = R.copy()
        bought = np.zeros((E, B))
        pending = np.zeros((E, B))
        income = np.zeros((E, S))
        paid_for_good = np.zeros(E)
        for j in range(k):
            a = xb[:, i, j]
            if enforce:
                right_offer, right_ask = a[..., 0] * rights, a[..., 1] * P
                bid_right_vol = a[..., 4] * V
            else:
                right_offer, right_ask, bid_right_vol = zeros_b, zeros_b, zeros_b
            book = (offer, ask, right_offer, right_ask, a[..., 2] * V, a[..., 3] * P,
                    bid_right_vol, a[..., 5] * P, rights - right_offer, money)
            g, r, status = clear_batch(crisis.clearing, book, enforce, rng, crisis.clearing_options)
            failures += int(np.count_nonzero(status))
            got = g.sum(axis=1)                                     # (E, B)
            sold = g.sum(axis=2)                                    # (E, S)
            rights_bought, rights_sold = r.sum(axis=1), r.sum(axis=2)
            pay = np.einsum("es,esb->eb", ask, g) + np.einsum("et,etb->eb", right_ask, r)
            money = np.maximum(money - pay, 0.0)
            if crisis.money_timing == "immediate":
                money += rights_sold * right_ask
            else:
                pending += rights_sold * right_ask
            income += sold * ask
            paid_for_good += (sold * ask).sum(axis=1)
            offer = np.maximum(offer - sold, 0.0)
            good_s = np.maximum(good_s - sold, 0.0)
            good_b += got
            if enforce:
                rights = rights - rights_sold
                if crisis.rights_accounting == "consumed":
                    rights = rights + rights_bought - got
                rights = np.maximum(rights, 0.0)
            rewards[:, i, S:] += np.minimum(good_b, D / k)
            good_b = np.maximum(good_b - D / k, 0.0)
            bought += got
        money += pending
        rewards[:, i, :S] += income + C1 * good_s
        if i == T - 1:
            stock, cash = (good_s, money) if crisis.terminal == "after_trade" else (good_s_start,
                                                                                  money_start)
            rewards[:, i, :S] += C2 * stock
            rewards[:, i, S:] += C3 * cash
        rights_log[:, i] = R
        income_log[:, i] = income
        bought_log[:, i] = bought
        traded = bought.sum(axis=1)
        traded_log[:, i] = traded
        with np.errstate(invalid="ignore", divide="ignore"):
            ask_log[:, i] = np.where(traded > 0, paid_for_good / traded, np.nan)
    returns = np.einsum("eit,i->et", rewards, crisis.discount ** np.arange(T))
    frus = _frustration(rights_log, bought_log)
    out = (rewards, returns, rights_log, bought_log, frus, offered_log, traded_log, ask_log,
           income_log, good_s, money)
    for arr in out:
        arr.setflags(write=False)
    return Rollout(*out, solver_failures=failures)

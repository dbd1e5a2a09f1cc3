"""The deal-optimization mechanism (seed 001 §4, Figure 1; Theorems 3-4).

After the allocation auction (round 0) the auction is repeated up to the deadline ``T_max``. In
round ``t`` every agent compares the new outcome with the kept one, ``G_i = U_i(s^t) - U_i^kept``,
and reports ``Δ_i <= G_i``: ``Δ_i > 0`` offers to pay ``Δ_i``, ``Δ_i < 0`` requests ``-Δ_i`` (a
loser must request at least its loss). With ``Q+ = Σ_{Δ_i > 0} Δ_i`` and ``Q- = Σ_{Δ_i < 0} -Δ_i``
the round succeeds iff ``Q+ >= Q-``: then payments ``p`` with ``Σ p = 0`` are made, the new
allocation is kept and ``U_i^kept <- U_i(s^t) + p_i``; otherwise nothing changes. Bids are charged
only for the allocation that is finally kept, and a new deal replaces the previous one (with its
payments).

Payment rules (the seed's equation (10) is lost; [RECON], notes §2.4):

* ``"pro_rata"`` (default, rule A): requesters get what they asked, ``p_i = -Δ_i`` (``Δ_i < 0``);
  contributors pay in proportion, ``p_i = -Δ_i Q- / Q+`` (``Δ_i > 0``); others 0.
* ``"equal_surplus"`` (rule B): ``p_i = -Δ_i + (Q+ - Q-) / n``.

Both are budget balanced and individually rational (Theorem 3): ``U_i(s^t) + p_i >= U_i^kept``,
and social welfare ``Σ_i U_i^kept`` never decreases (Theorem 4: success needs ``Σ Δ >= 0`` and
``Δ <= G`` gives ``Σ G >= 0``).

Reports (the seed's trade-off ``argmax_Δ (1 - φ(Δ)) ψ(Δ)`` with failure probability
``φ(Δ) = 1 - exp(-κ (G - Δ))`` and gain ``ψ(Δ) = G - Δ`` gives ``Δ* = G - 1/κ``):
``kappa = inf`` is truthful (``Δ = G``; the round then succeeds iff ``Σ U(s^t) >= Σ U^kept``);
``relative_shade = r`` shades every report by ``r |G_i|`` (the notes' protocol: 1/κ = 5 % of |G|).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_choice
from .allocation import check_capacity, utilities
from .valuations import check_valuations

__all__ = ["DealOptimizationResult", "deal_optimization", "settle_round", "reports",
           "PAYMENT_RULES"]

PAYMENT_RULES = ("pro_rata", "equal_surplus")


def reports(gains, *, kappa=np.inf, relative_shade: float = 0.0) -> np.ndarray:
    """``Δ_i = G_i - 1/κ_i - r |G_i|`` (``κ = inf``, ``r = 0``: truthful). Always ``Δ <= G``."""
    G = np.asarray(gains, dtype=float)
    k = np.broadcast_to(np.asarray(kappa, dtype=float), G.shape)
    if np.any(~(k > 0)):
        raise ValueError(f"kappa: expected numbers > 0 (inf = truthful); got {kappa!r}")
    r = float(relative_shade)
    if not 0 <= r < 1:
        raise ValueError(f"relative_shade: expected a number in [0, 1); got {relative_shade!r}")
    return G - 1.0 / k - r * np.abs(G)


def settle_round(report, rule: str = "pro_rata"):
    """``(success, payments)`` for the reports ``Δ`` under the payment rule (module docstring)."""
    check_choice("rule", rule, PAYMENT_RULES)
    d = np.asarray(report, dtype=float)
    q_plus = float(d[d > 0].sum())
    q_minus = float(-d[d < 0].sum())
    if q_plus < q_minus:
        return False, np.zeros_like(d)
    if rule == "pro_rata":
        p = np.where(d < 0, -d, 0.0)
        if q_plus > 0:
            p = np.where(d > 0, -d * (q_minus / q_plus), p)
    else:
        p = -d + (q_plus - q_minus) / d.size
    return True, p


@dataclass(frozen=True, eq=False)
class DealOptimizationResult:
    """Result of :func:`deal_optimization`; arrays indexed by round ``0..T_max``.

    Attributes
    ----------
    round_utilities : ndarray (T+1, n)
        ``U_i(s^t)`` of each round's auction.
    kept_utilities : ndarray (T+1, n)
        ``U_i^kept`` after round ``t`` (payments included).
    kept_round : ndarray (T+1,) of int
        Which round's allocation is kept after round ``t``.
    payments : ndarray (T+1, n)
        ``p^t`` (zero in round 0 and in failed rounds).
    accepted : ndarray (T+1,) of bool
        Whether round ``t`` succeeded (round 0 is the initial allocation: True).
    welfare : ndarray (T+1,)
        ``Σ_i U_i^kept`` (total utility, bids counted as costs).
    success, status, message, method, parameters
    """
    round_utilities: np.ndarray = field(repr=False)
    kept_utilities: np.ndarray = field(repr=False)
    kept_round: np.ndarray = field(repr=False)
    payments: np.ndarray = field(repr=False)
    accepted: np.ndarray = field(repr=False)
    welfare: np.ndarray = field(repr=False)
    success: bool
    status: int
    message: str
    method: str
    parameters: dict = field(default_factory=dict)


def deal_optimization(valuations, capacity, bids_by_round, *, rule: str = "pro_rata", kappa=np.inf,
                      relative_shade: float = 0.0) -> DealOptimizationResult:
    """Run the mechanism over the auctions of rounds ``0..T_max`` (rows of ``bids_by_round``).

    The deadline is ``T_max = len(bids_by_round) - 1``; the result after a shorter deadline is the
    prefix (the bids do not depend on what is kept).
    """
    vals = check_valuations(valuations)
    C = check_capacity(capacity)
    bids = np.asarray(bids_by_round, dtype=float)
    if bids.ndim != 2 or bids.shape[1] != len(vals) or bids.shape[0] < 1:
        raise ValueError(f"bids_by_round: expected shape (T_max + 1, {len(vals)}); got {bids.shape}")
    if not np.all(np.isfinite(bids)) or np.any(bids < 0):
        raise ValueError("bids_by_round: bids must be finite and >= 0")
    check_choice("rule", rule, PAYMENT_RULES)
    T = bids.shape[0] - 1
    n = len(vals)
    round_u = np.array([utilities(vals, s, C) for s in bids])
    kept_u = np.empty((T + 1, n))
    kept_round = np.zeros(T + 1, dtype=np.int64)
    pay = np.zeros((T + 1, n))
    accepted = np.zeros(T + 1, dtype=bool)
    kept_u[0] = round_u[0]
    accepted[0] = True
    for t in range(1, T + 1):
        gains = round_u[t] - kept_u[t - 1]
        ok, p = settle_round(reports(gains, kappa=kappa, relative_shade=relative_shade), rule)
        accepted[t] = ok
        if ok:
            pay[t] = p
            kept_u[t] = round_u[t] + p
            kept_round[t] = t
        else:
            kept_u[t] = kept_u[t - 1]
            kept_round[t] = kept_round[t - 1]
    welfare = kept_u.sum(axis=1)
    for a in (round_u, kept_u, kept_round, pay, accepted, welfare):
        a.setflags(write=False)
    n_ok = int(accepted[1:].sum())
    return DealOptimizationResult(
        round_utilities=round_u, kept_utilities=kept_u, kept_round=kept_round, payments=pay,
        accepted=accepted, welfare=welfare, success=True, status=0,
        message=f"{n_ok} of {T} optimization rounds accepted; kept allocation of round {int(kept_round[-1])}",
        method=f"deal-optimization:{rule}",
        parameters={"capacity": C, "rule": rule, "kappa": np.asarray(kappa).tolist(),
                    "relative_shade": float(relative_shade), "deadline": T})

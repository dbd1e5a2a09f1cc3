"""Repeated bidding: Bayesian learning of the others' bid total, and best-response dynamics.

:func:`bayesian_bidding` is steps 3-4 of the seed's Figure 1 (seed 001 §4): in round 0 every agent
bids optimally under its prior; in every later round ``t`` it updates its normal belief with the
realised ``S_{-i}^{t-1}`` (conjugate update, :mod:`.beliefs`) and resubmits its optimal bid under
the new belief (:mod:`.bidding`). All agents move at once. It runs on the layer's repeated-play
engine as a fixed-horizon run: each player is an agent whose action is its bid and whose private
state is its belief ``(mean, variance)``.
The bids do not depend on what the deal-optimization stage keeps, so the bid sequence of one run
serves every deadline ``T_max`` (:mod:`.deal_optimization` reads its prefixes).

:func:`best_response_dynamics` is the point-mass case (beliefs at the realised ``S_{-i}``): its
fixed points are exactly the Nash equilibria (the seed's Theorem 2, as reconstructed in the notes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mechanisms.repeated_play import repeated_play

from .allocation import check_bids, check_capacity
from .beliefs import NormalBelief, _update
from .bidding import TRUNCATIONS, _belief_optimal_bid, _legendre
from .equilibrium import best_response
from .valuations import check_valuations, valuation_arrays
from .._arrays import check_choice, check_integer

__all__ = ["BiddingRun", "bayesian_bidding", "best_response_dynamics", "BELIEF_USES"]

BELIEF_USES = ("posterior", "predictive")


@dataclass(frozen=True, eq=False)
class BiddingRun:
    """Result of :func:`bayesian_bidding`. Arrays are indexed by round (``[0]`` = round 0).

    Attributes
    ----------
    bids : ndarray (rounds + 1, n)
    belief_means, belief_sds : ndarray (rounds + 1, n)
        The posterior of ``ϑ_i`` (mean of ``S_{-i}``) held when the round's bid was made.
    others_sums : ndarray (rounds + 1, n)
        The realised ``S_{-i}`` of each round (what the next round observes).
    rounds : int
    success, status, message, method, parameters
        The engine's (a fixed-horizon run: status 7 once every round is played).
    """
    bids: np.ndarray = field(repr=False)
    belief_means: np.ndarray = field(repr=False)
    belief_sds: np.ndarray = field(repr=False)
    others_sums: np.ndarray = field(repr=False)
    rounds: int
    success: bool
    status: int
    message: str
    method: str
    parameters: dict = field(default_factory=dict)


def _check_beliefs(priors, n):
    try:
        priors = tuple(priors)
    except TypeError as exc:
        raise TypeError("priors: expected one NormalBelief per agent") from exc
    if len(priors) != n:
        raise ValueError(f"priors: expected {n} beliefs (one per agent); got {len(priors)}")
    for i, p in enumerate(priors):
        if not isinstance(p, NormalBelief):
            raise TypeError(f"priors[{i}]: expected a NormalBelief; got {type(p).__name__}")
        if p.sd <= 0:
            raise ValueError(f"priors[{i}]: a prior needs sd > 0 to learn; got {p.sd}")
    return priors


def bayesian_bidding(valuations, capacity, priors, noise_sds, rounds: int, *, belief_use: str = "posterior",
                     n_nodes: int = 64, truncation: str = "renormalize", callback=None) -> BiddingRun:
    """Round 0 plus ``rounds`` rounds of Bayesian learning and optimal rebidding.

    Parameters
    ----------
    valuations : sequence of Valuation, length n
    capacity : float
    priors : sequence of NormalBelief, length n
        Prior of ``ϑ_i``, the mean of the others' bid total.
    noise_sds : float or array_like (n,)
        Known ``σ_i`` of the observation model ``S_{-i} ~ N(ϑ_i, σ_i^2)``.
    rounds : int
        Number of learning rounds after round 0 (>= 0).
    belief_use : {"posterior", "predictive"}
        Bid against the posterior of ``ϑ_i`` (default; the seed treats ``S_{-i}`` as ``ϑ``) or
        against the predictive law ``N(μ, τ^2 + σ^2)`` of the next total.
    n_nodes, truncation
        Quadrature of :func:`~.bidding.optimal_bid`.
    callback : callable, optional
        The engine's ``callback(state)`` (a :class:`~mechanisms.repeated_play.RoundState`).
    """
    vals = check_valuations(valuations)
    n = len(vals)
    C = check_capacity(capacity)
    priors = _check_beliefs(priors, n)
    sig = np.broadcast_to(np.asarray(noise_sds, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(sig)) or np.any(sig <= 0):
        raise ValueError(f"noise_sds: expected finite numbers > 0; got {noise_sds!r}")
    check_integer("rounds", rounds, 0)
    check_choice("belief_use", belief_use, BELIEF_USES)
    check_choice("truncation", truncation, TRUNCATIONS)
    check_integer("n_nodes", n_nodes, 2)
    kinds, A, B = valuation_arrays(vals)
    hi = np.array([float(v.value(C) - v.value(0.0)) for v in vals])
    t_nodes, t_weights = _legendre(int(n_nodes))
    clip = truncation == "clip"
    extra_var = sig ** 2 if belief_use == "predictive" else np.zeros(n)

    def bid(i, mean, var):
        s = _belief_optimal_bid(kinds[i], A[i], B[i], C, mean, np.sqrt(var + extra_var[i]), t_nodes,
                                t_weights, clip, hi[i])
        if not np.isfinite(s):
            raise RuntimeError(f"agent {i}: belief N({mean:.3g}, {var:.3g}) puts no mass on positive "
                               "bid totals")
        return s

    beliefs = tuple((float(p.mean), float(p.variance)) for p in priors)
    start = tuple(np.array([bid(i, *b)]) for i, b in enumerate(beliefs))

    def update(i, profile, t, belief):
        observed = sum(profile[j][0] for j in range(n) if j != i)  # S_{-i} of the previous round
        mean, var = _update(belief[0], belief[1], observed, sig[i] ** 2)
        return np.array([bid(i, mean, var)]), (mean, var)

    if rounds == 0:
        history, states = (start,), (beliefs,)
        status, message, success = 7, "round 0 only", True
    else:
        play = repeated_play(update, start, state=beliefs, max_rounds=int(rounds),
                             order="simultaneous", callback=callback)
        history, states = play.history, play.states
        status, message, success = play.status, play.message, play.success
    bids = np.array([np.concatenate(p) for p in history])  # (T+1, n)
    belief = np.array(states, dtype=np.float64)           # (T+1, n, 2)
    others = bids.sum(axis=1, keepdims=True) - bids
    arrays = [bids, belief[:, :, 0], np.sqrt(belief[:, :, 1]), others]
    for a in arrays:
        a.setflags(write=False)
    return BiddingRun(bids=arrays[0], belief_means=arrays[1], belief_sds=arrays[2], others_sums=arrays[3],
                      rounds=bids.shape[0] - 1, success=bool(success), status=int(status), message=message,
                      method="repeated-play:bayesian-bidding",
                      parameters={"capacity": C, "noise_sds": sig.tolist(), "belief_use": belief_use,
                                  "n_nodes": int(n_nodes), "truncation": truncation, "rounds": int(rounds)})


def best_response_dynamics(valuations, capacity, start, *, max_rounds: int = 500, tol: float = 1e-12,
                           order: str = "sequential", callback=None):
    """Repeated exact best responses from the bid profile ``start`` (point-mass beliefs at the
    realised ``S_{-i}``). Returns the engine's :class:`~mechanisms.repeated_play.RepeatedPlayResult`;
    ``res.final`` holds one-element bid arrays."""
    vals = check_valuations(valuations)
    C = check_capacity(capacity)
    s0 = check_bids(start, len(vals), name="start")
    if np.count_nonzero(s0) < 2:
        raise ValueError("start: at least two positive bids are needed (a best response to a zero "
                         "total does not exist)")

    def update(i, profile, t):
        others = sum(float(profile[j][0]) for j in range(len(vals)) if j != i)
        return np.array([best_response(vals[i], others, C)])

    return repeated_play(update, tuple(np.array([v]) for v in s0), max_rounds=max_rounds, tol=tol,
                         order=order, callback=callback)

"""The optimal bid given a belief over the others' bid total (seed 001 §3, eqs. (4)-(6)).

With a belief density ``f_i`` over ``y = S_{-i}`` the expected utility of bidding ``s`` is

    EU_i(s) = ∫_0^∞ [ V_i(C s / (s + y)) - s ] f_i(y) dy,

and the optimal bid (the seed's Definition 3, "optimal response function") is
``s^o = argmax_{s >= 0} EU_i(s)``. ``s -> V(C s / (s + y))`` is concave for concave increasing
``V``, so ``EU`` is concave and ``s^o`` unique; it lies in ``[0, V(C) - V(0)]`` (never bid more than
the whole gain). The belief is a normal ``N(μ, τ^2)`` over ``y``; bid totals are positive, so
``truncation="renormalize"`` (default) uses the normal truncated to ``y > 0`` and renormalised,
and ``truncation="clip"`` puts the mass of ``y <= 0`` on a tiny positive floor (almost no
competition). ``EU`` and its derivative are computed by Gauss-Legendre quadrature with ``n_nodes``
nodes on ``[max(0, μ - 10 τ), μ + 10 τ]`` weighted by the normal density: the truncation point is
an end of the interval, so the integrand is smooth and the rule converges fast. (Gauss-Hermite
nodes, as the notes suggest, straddle the kink at ``y = 0`` and converge slowly: for the notes'
fixture ``V = 2 ln(1 + x)``, ``C = 1``, ``N(1, 0.3^2)`` they give 0.28163 / 0.28187 / 0.28175 with
40 / 64 / 200 nodes, while adaptive quadrature gives 0.2817488 (truncated) and 0.2815549 (clipped);
the notes' 0.281534 is such a quadrature artefact.) ``s^o`` is the root of the decreasing
derivative ``Σ_k ω_k V'(C s / (s + y_k)) C y_k / (s + y_k)^2 - 1``, found by bisection to machine
precision (0 when the derivative at 0 is <= 0). With ``τ = 0`` (a point
mass) ``s^o`` is the best response of :mod:`.equilibrium`.
"""
from __future__ import annotations

import functools
import math

import numba
import numpy as np

from .allocation import check_capacity
from .beliefs import NormalBelief
from .valuations import Valuation, _derivative, _value, check_valuation
from .._arrays import check_choice, check_integer, check_number

__all__ = ["expected_utility", "optimal_bid", "belief_nodes", "TRUNCATIONS"]

TRUNCATIONS = ("renormalize", "clip")
_FLOOR = 1e-12


def belief_nodes(belief: NormalBelief, n_nodes: int = 64, truncation: str = "renormalize"):
    """Quadrature nodes ``y > 0`` and weights ``ω`` (summing to 1) for the belief (module docstring)."""
    if not isinstance(belief, NormalBelief):
        raise TypeError(f"belief: expected a NormalBelief; got {type(belief).__name__}")
    check_choice("truncation", truncation, TRUNCATIONS)
    check_integer("n_nodes", n_nodes, 2)
    if belief.sd == 0 and belief.mean <= 0:
        raise ValueError(f"belief: a point mass at {belief.mean} <= 0 leaves no competing bid")
    t, wt = _legendre(int(n_nodes))
    y = np.empty(t.size + 1)
    w = np.empty(t.size + 1)
    count = _belief_nodes(belief.mean, belief.sd, t, wt, truncation == "clip", y, w)
    if count == 0:
        raise ValueError(f"belief: N({belief.mean}, {belief.sd}^2) puts no mass on positive bid totals "
                         "(truncation='renormalize')")
    return y[:count].copy(), w[:count].copy()


@functools.lru_cache(maxsize=16)
def _legendre(n):
    """Gauss-Legendre nodes and weights on [-1, 1] (read-only, cached)."""
    t, w = np.polynomial.legendre.leggauss(n)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


@numba.njit(cache=True)
def _belief_nodes(mean, sd, t, wt, clip, y, w):
    """Nodes/weights of ``N(mean, sd^2)`` restricted to ``y > 0`` into ``y``, ``w`` (length >=
    ``t.size + 1``); returns how many were written (0: no positive mass)."""
    if sd == 0.0:
        if mean <= 0.0:
            return 0
        y[0] = mean
        w[0] = 1.0
        return 1
    lo = max(0.0, mean - 10.0 * sd)
    hi = mean + 10.0 * sd
    if hi <= 0.0:
        if not clip:
            return 0
        y[0] = _FLOOR * max(1.0, abs(mean))
        w[0] = 1.0
        return 1
    half = 0.5 * (hi - lo)
    centre = 0.5 * (hi + lo)
    total = 0.0
    count = 0
    for k in range(t.size):
        yk = centre + half * t[k]
        z = (yk - mean) / sd
        wk = wt[k] * half * np.exp(-0.5 * z * z) / (sd * np.sqrt(2.0 * np.pi))
        if yk > 0.0 and wk > 0.0:
            y[count] = yk
            w[count] = wk
            total += wk
            count += 1
    if clip:
        below = 0.5 * math.erfc(mean / (sd * np.sqrt(2.0)))  # P(y <= 0)
        if below > 0.0:
            y[count] = _FLOOR * max(1.0, abs(mean))
            w[count] = below
            total += below
            count += 1
    if count == 0 or total <= 0.0:
        return 0
    for k in range(count):
        w[k] /= total
    return count


def expected_utility(valuation: Valuation, bid, belief: NormalBelief, capacity, *, n_nodes: int = 64,
                     truncation: str = "renormalize") -> float:
    """``EU(s)`` of the module docstring (Gauss-Hermite quadrature)."""
    check_valuation(valuation)
    C = check_capacity(capacity)
    s = check_number("bid", bid, nonnegative=True)
    y, w = belief_nodes(belief, n_nodes, truncation)
    a, b = valuation.parameters
    return float(_expected_utility(valuation.kind, a, b, C, s, y, w))


def optimal_bid(valuation: Valuation, belief: NormalBelief, capacity, *, n_nodes: int = 64,
                truncation: str = "renormalize") -> float:
    """``s^o = argmax_s EU(s)`` (module docstring)."""
    check_valuation(valuation)
    C = check_capacity(capacity)
    y, w = belief_nodes(belief, n_nodes, truncation)
    a, b = valuation.parameters
    hi = float(valuation.value(C) - valuation.value(0.0))
    return float(_optimal_bid(valuation.kind, a, b, C, y, w, hi))


@numba.njit(cache=True)
def _expected_utility(kind, a, b, C, s, y, w):
    total = 0.0
    for k in range(y.size):
        x = C * s / (s + y[k]) if s > 0.0 else 0.0
        total += w[k] * _value(kind, a, b, x)
    return total - s


@numba.njit(cache=True)
def _eu_slope(kind, a, b, C, s, y, w):
    total = 0.0
    for k in range(y.size):
        d = s + y[k]
        total += w[k] * _derivative(kind, a, b, C * s / d) * C * y[k] / (d * d)
    return total - 1.0


@numba.njit(cache=True)
def _optimal_bid(kind, a, b, C, y, w, hi):
    """Root of the decreasing ``dEU/ds`` on ``[0, hi]`` by bisection to a relative width of 1e-15
    (0 if ``dEU/ds(0) <= 0``)."""
    if _eu_slope(kind, a, b, C, 0.0, y, w) <= 0.0:
        return 0.0
    lo = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi or hi - lo <= 1e-15 * hi:
            break
        if _eu_slope(kind, a, b, C, mid, y, w) > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@numba.njit(cache=True)
def _belief_optimal_bid(kind, a, b, C, mean, sd, t, wt, clip, hi):
    """One agent's optimal bid under ``N(mean, sd^2)`` (NaN if it has no positive mass)."""
    y = np.empty(t.size + 1)
    w = np.empty(t.size + 1)
    count = _belief_nodes(mean, sd, t, wt, clip, y, w)
    if count == 0:
        return np.nan
    return _optimal_bid(kind, a, b, C, y[:count], w[:count], hi)

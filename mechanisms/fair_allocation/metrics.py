"""Disparity measures of an allocation, utility or tax vector (thesis ch. 5, footnote 5, (5.21)).

Two Gini normalisations appear in the chapter for the same kind of vector (notes §1.2-1.3):

* ``"population"``: G = Σ_i Σ_j |u_i - u_j| / (2 N² ū). This is (5.21) for a two-valued vector and
  the convention of §6 and §7 (Figs. 16-18: "GC = 73 % at ε = 0").
* ``"unbiased"``: G = Σ_i Σ_j |u_i - u_j| / (2 N (N - 1) ū) = population · N / (N - 1). This is
  the convention that reproduces Table 2 (74 % for the same utility vector).

Standard deviations are sample standard deviations (``ddof=1``) by default, as in Table 2.
"""
from __future__ import annotations

import numpy as np
from .._arrays import check_choice

__all__ = ["gini", "std", "coefficient_of_variation", "two_valued_gini"]

GINI_NORMALIZATIONS = ("population", "unbiased")


def _as_vector(values, name: str) -> np.ndarray:
    try:
        u = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: cannot be read as a numeric vector ({exc})") from exc
    if u.ndim != 1 or u.size < 1:
        raise ValueError(f"{name}: expected a non-empty 1-d vector, got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError(f"{name}: every entry must be finite")
    return u


def gini(values, normalization: str = "population") -> float:
    """Gini coefficient of a non-negative vector (thesis ch. 5, footnote 5 and (5.21)).

    Parameters
    ----------
    values : array_like, shape (N,)
        Non-negative entries with a positive sum.
    normalization : {"population", "unbiased"}
        Denominator ``2 N² ū`` (the (5.21) form, Figs. 16-18) or ``2 N (N - 1) ū`` (Table 2).

    Returns
    -------
    float
        0 for a constant vector; ``(N - 1) / N`` (population) when one entry holds everything.
    """
    u = _as_vector(values, "values")
    check_choice("normalization", normalization, GINI_NORMALIZATIONS)
    if np.any(u < 0):
        raise ValueError("values: the Gini coefficient needs non-negative entries")
    n = u.size
    total = u.sum()
    if total <= 0:
        raise ValueError("values: the Gini coefficient needs a positive sum")
    s = np.sort(u)
    # Σ_i Σ_j |u_i - u_j| = 2 Σ_k (2k - n + 1) s_k  (k = 0..n-1, s sorted ascending)
    pair_sum = 2.0 * np.dot(2.0 * np.arange(n) - n + 1.0, s)
    mean = total / n
    denom = 2.0 * n * n * mean if normalization == "population" else 2.0 * n * (n - 1) * mean
    if normalization == "unbiased" and n < 2:
        raise ValueError("values: the unbiased Gini coefficient needs at least two entries")
    return float(pair_sum / denom)


def two_valued_gini(n_high: int, n_agents: int, u_high: float, u_low: float) -> float:
    """Population Gini of a vector with ``n_high`` entries ``u_high`` and the rest ``u_low`` (5.21).

    ``m (N - m) |u_H - u_L| / (N (m u_H + (N - m) u_L))``; with ``u = θ x`` this is (5.21).
    """
    m, n = int(n_high), int(n_agents)
    if not 0 <= m <= n or n < 1:
        raise ValueError(f"n_high: must lie in [0, n_agents={n_agents}], got {n_high}")
    denom = n * (m * u_high + (n - m) * u_low)
    if denom <= 0:
        raise ValueError("u_high, u_low: the vector needs a positive sum")
    return float(m * (n - m) * abs(u_high - u_low) / denom)


def std(values, ddof: int = 1) -> float:
    """Standard deviation; ``ddof=1`` (sample) is the Table 2 convention."""
    u = _as_vector(values, "values")
    if ddof not in (0, 1):
        raise ValueError(f"ddof: expected 0 or 1, got {ddof!r}")
    if u.size <= ddof:
        raise ValueError(f"values: need more than {ddof} entries for ddof={ddof}")
    return float(np.std(u, ddof=ddof))


def coefficient_of_variation(values, ddof: int = 1) -> float:
    """σ / μ (Table 2's "σ/μ (%)" column, as a fraction)."""
    u = _as_vector(values, "values")
    mean = u.mean()
    if mean == 0:
        raise ValueError("values: the coefficient of variation needs a non-zero mean")
    return std(u, ddof=ddof) / float(mean)

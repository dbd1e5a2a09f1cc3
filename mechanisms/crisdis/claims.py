"""Claims rules for dividing an estate among claimants: the contested-garment (Talmud) rule that
allocates Crisdis's buying rights, and the two constrained-equal rules it is built from.

For claims d in R^n_{>=0} and an estate E in [0, Σd] (Aumann & Maschler [1]):

* constrained equal awards, CEA_i(d, E) = min(d_i, λ) with Σ_i CEA_i = E;
* constrained equal losses, CEL_i(d, E) = d_i - min(d_i, μ) with Σ_i (d_i - CEL_i) = Σd - E;
* contested garment, CG(d, E) = CEA(d/2, E) if E <= Σd/2, else d - CEA(d/2, Σd - E) (equal
  awards on the half-claims, then equal losses on them). It is self-dual,
  CG(d, E) = d - CG(d, Σd - E), and reproduces the Talmud's estate table [1].

The water levels λ, μ come from one sort, O(n log n) (the layer's level search,
:func:`mechanisms._levels.clipped_level`).

Crisdis (seed 004, Def. 1) needs Σ_b φ_b(V, D) = V, D_b = 0 ⇒ φ_b = 0 and anonymity, also when
the offered volume V exceeds Σd (possible in a Market). ``excess`` chooses what happens then:

``"positive"`` (default)  every claim is met and V - Σd is split equally among the positive
                          claims: all three axioms hold (when some claim is positive).
``"equal_all"``           the authors' code: the excess is split equally among *all* claimants,
                          which gives rights to zero claims (breaks D_b = 0 ⇒ φ_b = 0).
``"cap"``                 every claim is met and the rest is not allocated (breaks efficiency).

References
----------
.. [1] R. J. Aumann and M. Maschler, "Game theoretic analysis of a bankruptcy problem from the
   Talmud", Journal of Economic Theory 36 (1985) 195-213.
.. [2] D. Sychrovský, J. Černý, S. Lichau and M. Loebl, "Price of anarchy in a double-sided
   critical distribution system", AAMAS 2023 (arXiv:2302.09959), Def. 1.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .._arrays import check_choice, check_number
from .._levels import _clipped_level

__all__ = ["contested_garment", "constrained_equal_awards", "constrained_equal_losses",
           "EXCESS_RULES"]

EXCESS_RULES = ("positive", "equal_all", "cap")


def _check_claims(claims, estate, allow_excess):
    d = np.asarray(claims, dtype=np.float64)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"claims: expected a non-empty 1-d array; got shape {d.shape}")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ValueError(f"claims: expected finite values >= 0; got {d}")
    e = check_number("estate", estate, nonnegative=True)
    total = d.sum()
    if not allow_excess and e > total * (1 + 1e-12) + 1e-12:
        raise ValueError(f"estate: expected at most the total claim {total}; got {e}")
    return np.ascontiguousarray(d), min(e, total) if not allow_excess else e


def constrained_equal_awards(claims, estate) -> np.ndarray:
    """CEA: award min(d_i, λ) with the awards summing to ``estate`` (<= Σd)."""
    d, e = _check_claims(claims, estate, False)
    out = np.empty_like(d)
    _equal_awards(d, e, out)
    return out


def constrained_equal_losses(claims, estate) -> np.ndarray:
    """CEL: award d_i - min(d_i, μ) with the losses summing to Σd - ``estate``."""
    d, e = _check_claims(claims, estate, False)
    losses = np.empty_like(d)
    _equal_awards(d, max(d.sum() - e, 0.0), losses)
    return d - losses


def contested_garment(claims, estate, *, excess: str = "positive") -> np.ndarray:
    """The contested-garment (Talmud) division of ``estate`` among ``claims``.

    Examples
    --------
    The Talmud's estates 100, 200, 300 for claims 100, 200, 300:

    >>> [contested_garment([100, 200, 300], e).round(2).tolist() for e in (100, 200, 300)]
    [[33.33, 33.33, 33.33], [50.0, 75.0, 75.0], [50.0, 100.0, 150.0]]
    """
    check_choice("excess", excess, EXCESS_RULES)
    d, e = _check_claims(claims, estate, True)
    out = np.empty_like(d)
    _contested_garment(d, e, EXCESS_RULES.index(excess), out)
    return out


@njit(cache=True)
def _equal_awards(c, estate, out):
    """out_i = min(c_i, λ) with Σ out = estate (0 <= estate <= Σc): the layer's level search
    (:func:`mechanisms._levels.clipped_level` with ``w = 1``, ``r = 0``, ``cap = c``)."""
    _clipped_level(np.ones(c.size), np.zeros(c.size), c, estate, out)


@njit(cache=True)
def _contested_garment(d, estate, excess_code, out):
    """CG(d, estate) into ``out`` (modified in place); ``excess_code`` indexes EXCESS_RULES."""
    n = d.size
    total = 0.0
    positive = 0
    for i in range(n):
        total += d[i]
        if d[i] > 0:
            positive += 1
    if estate >= total:
        extra = estate - total
        for i in range(n):
            out[i] = d[i]
        if excess_code == 0 and positive > 0:
            for i in range(n):
                if d[i] > 0:
                    out[i] += extra / positive
        elif excess_code == 1:
            for i in range(n):
                out[i] += extra / n
        return
    half = d / 2.0
    if estate <= total / 2.0:
        _equal_awards(half, estate, out)
    else:
        losses = np.empty(n)
        _equal_awards(half, total - estate, losses)
        for i in range(n):
            out[i] = d[i] - losses[i]


@njit(cache=True)
def contested_garment_rows(claims, estates, excess_code, out):
    """Row-wise CG for a batch: ``claims`` (E, n), ``estates`` (E,) into ``out`` (E, n)."""
    for e in range(claims.shape[0]):
        _contested_garment(claims[e], estates[e], excess_code, out[e])

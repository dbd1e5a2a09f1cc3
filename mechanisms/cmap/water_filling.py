"""Weighted water-filling: the closed-form solution of one agent's CMAP program.

For ``k >= 1`` agent ``i``'s program (notes, Seed 000 §2.2) reduces, in value units
``y_j = v_i x_ij`` with budget ``B = v_i ε_i``, to

    max_y  Σ_j w_j log(R_j + y_j)   s.t.  Σ_j y_j = B,  y >= 0,

where ``R_j = R_{-i,j}`` is what neighbour ``j`` receives from its other neighbours. Its unique
maximiser is ``y_j = max(0, w_j L - R_j)`` with the water level ``L > 0`` solving ``Σ_j y_j = B``.
The level is found by the layer's one level search, :func:`mechanisms._levels.clipped_level`
(``cap = ∞``): sort the breakpoints ``R_j / w_j`` and accept the first
``L_m = (B + Σ_{first m} R) / (Σ_{first m} w)`` with ``L_m <= breakpoint_{m+1}``: ``O(d log d)``.
"""
from __future__ import annotations

import numba
import numpy as np

from .._arrays import check_positive
from .._levels import _clipped_level

__all__ = ["water_fill", "water_level"]

_NO_CAPS = np.empty(0)


def water_fill(weights, residuals, budget) -> np.ndarray:
    """Maximise ``Σ_j w_j log(R_j + y_j)`` over ``{y >= 0, Σ y = B}`` in closed form.

    Parameters
    ----------
    weights : array_like (d,)
        ``w_j > 0``.
    residuals : array_like (d,)
        ``R_j >= 0``; a neighbour with ``R_j = 0`` always receives a positive amount.
    budget : float
        ``B > 0``.

    Returns
    -------
    ndarray (d,)
        The unique maximiser ``y``.

    Examples
    --------
    >>> water_fill([1, 1, 1], [0, 0.5, 2], 1.0).tolist()
    [0.75, 0.25, 0.0]
    """
    w, R, B = _check(weights, residuals, budget)
    out = np.empty_like(w)
    _water_fill(w, R, B, out)
    return out


def water_level(weights, residuals, budget) -> float:
    """The level ``L`` of :func:`water_fill` (``y_j = max(0, w_j L - R_j)``)."""
    w, R, B = _check(weights, residuals, budget)
    return float(_water_fill(w, R, B, np.empty_like(w)))


def _check(weights, residuals, budget):
    w = np.ascontiguousarray(weights, dtype=np.float64)
    R = np.ascontiguousarray(residuals, dtype=np.float64)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"weights: expected a non-empty vector; got shape {w.shape}")
    if R.shape != w.shape:
        raise ValueError(f"residuals: expected shape {w.shape} (one per weight); got {R.shape}")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights: entries must be finite and > 0")
    if not np.all(np.isfinite(R)) or np.any(R < 0):
        raise ValueError("residuals: entries must be finite and >= 0")
    B = check_positive("budget", budget)
    return w, R, B


@numba.njit(cache=True)
def _water_fill(w, R, B, out):
    """Kernel of :func:`water_fill` (the shared level search with no caps). ``w``, ``R``,
    ``out`` of shape (d,); ``out`` modified in place. Returns the water level ``L``."""
    return _clipped_level(w, R, _NO_CAPS, B, out)

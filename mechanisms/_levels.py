"""The one level / multiplier search of the mechanisms layer.

Every allocation rule of the layer that divides a quantity by a common level is solved here:

* :func:`clipped_level` (compiled kernel ``_clipped_level``): the level ``L`` with
  ``Σ_j clip(w_j L - r_j, 0, cap_j) = target``, in closed form after one sort of the
  breakpoints ``r_j / w_j`` and ``(r_j + cap_j) / w_j`` (``O(d log d)``). Special cases:

  - CMAP water-filling (seed 000, §2.2): ``y_j = max(0, w_j L - R_j)``, ``Σ y = B``
    (``cap = ∞``);
  - constrained equal awards of the contested-garment rule (seed 004, Def. 1; Aumann and
    Maschler 1985): ``min(d_i, λ)``, ``Σ = E`` (``w = 1``, ``r = 0``, ``cap = d``).

* :func:`monotone_root`: the root of a monotone scalar function (a price or a Lagrange
  multiplier: ``D(θ) = C`` of the share auction, ``Σ_i (∇v_i)^{-1}(λ) = c`` of thesis ch. 4
  (4.4)), by ``scipy.optimize.brentq`` after growing the bracket until it holds a sign change.

* :func:`first_crossing`: the first ``ε`` of an increasing grid at which a property fails, refined
  by bisection (ε_max of thesis ch. 5 (A1)/(A2)).

The fair-allocation rule (5.4) and the share-auction Bayesian bid keep a compiled bisection
inside their own numba kernels: their monotone function is a compiled expression, and a cached
kernel cannot take a function argument.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from scipy.optimize import brentq

__all__ = ["clipped_level", "monotone_root", "first_crossing"]


def clipped_level(weights, offsets, caps, target):
    """``(L, x)`` with ``x_j = clip(w_j L - r_j, 0, cap_j)`` and ``Σ_j x_j = target``.

    Parameters
    ----------
    weights : array_like (d,)    ``w_j > 0``
    offsets : array_like (d,)    ``r_j`` (the breakpoint of ``j`` is ``r_j / w_j``)
    caps : array_like (d,) or None   ``cap_j >= 0``; None: no upper bounds
    target : float               ``0 <= target <= Σ cap``

    Returns ``L = inf`` when every entry is at its cap.

    Examples
    --------
    >>> L, x = clipped_level([1, 1, 1], [0, 0.5, 2], None, 1.0)   # water-filling
    >>> L, x.tolist()
    (0.75, [0.75, 0.25, 0.0])
    >>> clipped_level([1, 1, 1], [0, 0, 0], [100, 200, 300], 200.0)[1].tolist()  # CEA
    [66.66666666666667, 66.66666666666667, 66.66666666666667]
    """
    w = np.ascontiguousarray(weights, dtype=np.float64)
    r = np.ascontiguousarray(offsets, dtype=np.float64)
    c = np.full(w.shape, np.inf) if caps is None else np.ascontiguousarray(caps, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or r.shape != w.shape or c.shape != w.shape:
        raise ValueError(f"weights, offsets, caps: expected three vectors of one length; got shapes "
                         f"{w.shape}, {r.shape}, {c.shape}")
    if not np.all(np.isfinite(w) & (w > 0)) or not np.all(np.isfinite(r)) or np.any(c < 0):
        raise ValueError("weights: finite and > 0; offsets: finite; caps: >= 0")
    t = float(target)
    if not (np.isfinite(t) and 0 <= t <= c.sum() * (1 + 1e-12) + 1e-12):
        raise ValueError(f"target: expected a number in [0, Σ caps]; got {target!r}")
    out = np.empty_like(w)
    return float(_clipped_level(w, r, np.empty(0) if caps is None else c, t, out)), out


@njit(cache=True)
def _clipped_level(w, r, cap, target, out):
    """Kernel of :func:`clipped_level`; ``out`` (d,) modified in place; returns ``L``.

    ``cap`` of shape (d,), or of shape (0,) for no caps at all (then only the ``d`` lower
    breakpoints are sorted). Walks the sorted breakpoints keeping ``Σ_active w``, ``Σ_active r``
    and ``target - Σ_saturated cap``; between two breakpoints ``Σ x`` is linear in ``L``, and the
    first segment whose solution ``L = (target - Σ_sat cap + Σ_act r) / Σ_act w`` does not pass
    the next breakpoint holds the level.
    """
    d = w.size
    capped = cap.size > 0
    n_points = 2 * d if capped else d
    points = np.empty(n_points)
    for j in range(d):
        points[j] = r[j] / w[j]
        if capped:
            points[d + j] = (r[j] + cap[j]) / w[j]
    order = np.argsort(points, kind="mergesort")
    remaining = target
    sum_r = 0.0
    sum_w = 0.0
    level = np.inf
    for m in range(n_points):
        k = order[m]
        if k < d:
            sum_r += r[k]
            sum_w += w[k]
        else:
            j = k - d
            remaining -= cap[j]
            sum_r -= r[j]
            sum_w -= w[j]
        if sum_w > 0.0:
            trial = (remaining + sum_r) / sum_w
            if m == n_points - 1 or trial <= points[order[m + 1]]:
                level = trial
                break
    for j in range(d):
        y = w[j] * level - r[j]
        if capped and y > cap[j]:
            y = cap[j]
        out[j] = y if y > 0.0 else 0.0
    return level


def monotone_root(fun, lo: float, hi: float, *, grow: bool = False, xtol: float = 2e-12,
                  xtol_per_hi: bool = False, rtol: float = 4 * np.finfo(float).eps,
                  maxiter: int = 500) -> float:
    """The root of a *decreasing* ``fun`` on ``[lo, hi]`` (``scipy.optimize.brentq``; brentq
    needs only a sign change, so an increasing ``fun`` works when ``grow`` is False).

    With ``grow=True`` the bracket is first widened until ``fun(lo) >= 0 >= fun(hi)``: an
    endpoint is doubled away from zero (``lo < 0``, ``hi > 0``) or halved towards it
    (``0 < lo``, ``hi < 0``), as often as needed. ``xtol_per_hi``: the absolute tolerance is
    ``xtol * hi`` with the final ``hi``.
    """
    if grow:
        for _ in range(2100):
            if fun(lo) >= 0:
                break
            lo = lo * 2.0 if lo < 0 else lo * 0.5
        else:
            raise RuntimeError(f"monotone_root: fun stays < 0 down to lo = {lo!r}")
        for _ in range(2100):
            if fun(hi) <= 0:
                break
            hi = hi * 2.0 if hi > 0 else hi * 0.5
        else:
            raise RuntimeError(f"monotone_root: fun stays > 0 up to hi = {hi!r}")
    if xtol_per_hi:
        xtol = xtol * hi
    return float(brentq(fun, lo, hi, xtol=xtol, rtol=rtol, maxiter=maxiter))


def first_crossing(fails, grid, *, xtol: float = 1e-10, max_halvings: int = 200):
    """The first ``ε`` of an increasing grid where ``fails(ε)`` holds, refined by bisection.

    Returns ``grid[0]`` if ``fails(grid[0])``, ``None`` if it holds nowhere on the grid, and
    otherwise the midpoint of a bracket ``[lo, hi]`` with ``not fails(lo)``, ``fails(hi)`` and
    ``hi - lo <= xtol * max(1, hi)`` (or floating-point adjacency; ``xtol = 0``: to adjacency).
    """
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0) or grid[0] < 0:
        raise ValueError("grid: expected an increasing sequence of at least two ε ≥ 0")
    if fails(grid[0]):
        return float(grid[0])
    prev = grid[0]
    for e in grid[1:]:
        if fails(e):
            lo, hi = float(prev), float(e)
            for _ in range(max_halvings):
                if hi - lo <= xtol * max(1.0, hi):
                    break
                mid = 0.5 * (lo + hi)
                if mid <= lo or mid >= hi:
                    break
                if fails(mid):
                    hi = mid
                else:
                    lo = mid
            return float(0.5 * (lo + hi))
        prev = e
    return None

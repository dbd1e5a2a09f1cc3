"""VCG (Clarke pivot) taxes of the SoU baseline, thesis ch. 5 §2.1 and Table 2.

    t_i^VCG(φ) = max_{x_{-i}} [Σ_{j≠i} v(x_j; φ_j) - C(Σ_{j≠i} x_j)]
                 - [Σ_{j≠i} v(x̂_j(φ); φ_j) - C(Σ_j x̂_j(φ))]

with agent i removed entirely and the supplier cost counted in the others' welfare (notes §1.2:
the reading that reproduces Table 2's 21.01 and 1.43). The max keeps the others' minima.
The thesis intro writes the Groves form t_i = -Σ_{j≠i} v(x̂(φ); φ_j) + f_i(φ_{-i}); the Clarke
pivot is the f_i above.
"""
from __future__ import annotations

import numpy as np

from .allocation import AllocationProblem, _allocate_classes, allocation_by_count

__all__ = ["vcg_taxes_by_count", "vcg_taxes"]


def _welfare(problem, thetas, weights, x):
    v = problem.valuation.value(x, thetas)
    return float(np.dot(weights, v) - problem.cost * np.dot(weights, x) ** 2)


def vcg_taxes(problem: AllocationProblem, profile) -> np.ndarray:
    """Clarke-pivot taxes at one reported profile (SoU allocation, ε = 0); shape (N,)."""
    prof = tuple(int(k) for k in profile)
    thetas = problem.types_of(prof)
    lowers = np.asarray(problem.lower)
    n = problem.n_agents
    ones = np.ones(n)
    x = _allocate_classes(problem, thetas, lowers, ones, 0.0)
    v = problem.valuation.value(x, thetas)
    total = x.sum()
    taxes = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        x_wo = _allocate_classes(problem, thetas[keep], lowers[keep], ones[keep], 0.0)
        best_without = _welfare(problem, thetas[keep], ones[keep], x_wo)
        others_at_x = float(v[keep].sum() - problem.cost * total ** 2)
        taxes[i] = best_without - others_at_x
    return taxes


def vcg_taxes_by_count(problem: AllocationProblem):
    """(t_H(m), t_L(m)), m = 0..N high reports, for a symmetric binary instance (NaN where absent)."""
    n = problem.n_agents
    if len(set(problem.type_sets)) != 1 or problem.n_types[0] != 2 or len(set(problem.lower)) != 1:
        raise ValueError("problem: vcg_taxes_by_count needs identical binary type sets and minima")
    th, tl = problem.type_sets[0]
    lo = problem.lower[0]
    thetas, lowers = np.array([th, tl]), np.array([lo, lo])
    xh, xl = allocation_by_count(problem, 0.0)
    t_h = np.full(n + 1, np.nan)
    t_l = np.full(n + 1, np.nan)
    for m in range(n + 1):
        w = np.array([m, n - m], dtype=float)
        x = np.array([xh[m] if m > 0 else lo, xl[m] if m < n else lo])
        vals = problem.valuation.value(x, thetas)
        total = float(np.dot(w, x))
        for k, t_out in ((0, t_h), (1, t_l)):
            if w[k] == 0:
                continue
            w_wo = w.copy()
            w_wo[k] -= 1
            x_wo = _allocate_classes(problem, thetas, lowers, w_wo, 0.0)
            best_without = _welfare(problem, thetas, w_wo, x_wo)
            others_at_x = float(np.dot(w_wo, vals) - problem.cost * total ** 2)
            t_out[m] = best_without - others_at_x
    return t_h, t_l

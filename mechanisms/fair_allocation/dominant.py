"""Dominant-strategy implementation of the fair allocation, thesis ch. 5 §3 and App. 9.1-9.2.

Binary type sets Θ_i = (θ_i^H, θ_i^L) (index 0 = H, 1 = L), direct mechanism (x̂_ε, t).

* Cell quantities (5.29)-(5.30), for agent i and others' reports θ_{-i} (first index = report,
  second = true type): A_HH, A_LL, A_HL = v(x̂_i(H, θ_{-i}); θ^L), A_LH = v(x̂_i(L, θ_{-i}); θ^H).
* Lemma 9.1: DSIC + ex-post IR taxes exist iff Φ_i(θ_{-i}; ε) = A_HH + A_LL - A_HL - A_LH ≥ 0 in
  every cell (5.22)/(5.34). ε̃_max is the first ε where min Φ < 0 (grid + bisection, notes §2.5).
* Condition (A1) via K_i of (5.7); the identity (5.25) links K and Φ.
* Taxes per cell (notes §2.4; the thesis proves existence only): d = t_H - t_L ∈ [A_HL - A_LL,
  A_HH - A_LH], t_H ≤ A_HH, t_L ≤ A_LL. ``"revenue_max"`` maximises t_H + t_L; ``"min_norm"``
  minimises t_H² + t_L².

The §6 example (linear v, Σx ≤ 1) has the exact threshold ε̃_max = N / (2(θ_H + θ_L))
(:func:`linear_capacity_dsic_bound`). **The thesis's (5.20) is off by one**: it evaluates to
(N+1)/(2(θ_H+θ_L)) + ..., 14.5747 for N = 50, (1, 0.75), and Φ < 0 on (14.2857, 14.5747]
(:func:`thesis_eq_5_20` gives the printed formula). The quoted "ε̃_max = 14" is safe.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import optimize

from .._arrays import check_choice
from .._levels import first_crossing
from ..results import MechanismResult
from ._records import check_binary, frozen
from .allocation import AllocationProblem, _check_epsilon, allocation_by_count, allocation_table

__all__ = ["DominantCells", "DSICTaxes", "DSICReport", "dsic_cells", "dsic_cells_by_count",
           "dsic_taxes", "dsic_taxes_by_count", "check_dsic", "check_dsic_by_count",
           "dsic_epsilon_max", "condition_a1_gaps", "linear_capacity_dsic_bound", "thesis_eq_5_20",
           "DSIC_TAX_RULES"]

DSIC_TAX_RULES = ("revenue_max", "min_norm")


@dataclass(frozen=True, eq=False)
class DominantCells:
    """The four cell quantities of (5.29)-(5.30) and Φ of (5.22), one entry per cell.

    Arrays have shape ``(N,) + (2,) * (N - 1)`` (agent, others' report indices) for the
    profile form, or ``(N,)`` indexed by k = number of *other* high reports for the count form.
    """
    A_HH: np.ndarray
    A_LL: np.ndarray
    A_HL: np.ndarray
    A_LH: np.ndarray
    epsilon: float
    form: str

    @property
    def phi(self) -> np.ndarray:
        """Φ = A_HH + A_LL - A_HL - A_LH (5.22)."""
        return self.A_HH + self.A_LL - self.A_HL - self.A_LH

    @property
    def phi_min(self) -> float:
        return float(self.phi.min())

    @property
    def d_bounds(self):
        """(d_lo, d_hi) = (A_HL - A_LL, A_HH - A_LH): the DSIC range of t_H - t_L."""
        return self.A_HL - self.A_LL, self.A_HH - self.A_LH


def _others_index(i, prof):
    return tuple(k for j, k in enumerate(prof) if j != i)


def _high_reports(problem):
    """``(i, prof, lo, cell)`` for every profile ``prof`` and agent ``i`` reporting high in it:
    ``lo`` is ``prof`` with ``i`` low, ``cell`` the index (agent, others' reports)."""
    for prof in problem.profiles():
        for i in range(problem.n_agents):
            if prof[i] == 0:
                yield i, prof, prof[:i] + (1,) + prof[i + 1:], (i,) + _others_index(i, prof)


def dsic_cells(problem: AllocationProblem, epsilon: float, table: Optional[np.ndarray] = None
               ) -> DominantCells:
    """Cell quantities for every agent and others' report profile (all 2^N profiles enumerated)."""
    check_binary(problem, "dsic_cells")
    eps = _check_epsilon(epsilon)
    x = allocation_table(problem, eps) if table is None else table
    n = problem.n_agents
    shape = (n,) + (2,) * (n - 1)
    A = {key: np.empty(shape) for key in ("HH", "LL", "HL", "LH")}
    v = problem.valuation.value
    for i, prof, lo, cell in _high_reports(problem):
        th, tl = problem.type_sets[i]
        xh, xl = x[prof][i], x[lo][i]
        A["HH"][cell] = v(xh, th)
        A["LL"][cell] = v(xl, tl)
        A["HL"][cell] = v(xh, tl)
        A["LH"][cell] = v(xl, th)
    return DominantCells(*(frozen(A[k]) for k in ("HH", "LL", "HL", "LH")), epsilon=eps, form="profile")


def dsic_cells_by_count(problem: AllocationProblem, epsilon: float) -> DominantCells:
    """Cell quantities of a symmetric binary instance, indexed by k = others' high reports."""
    eps = _check_epsilon(epsilon)
    xh, xl = allocation_by_count(problem, eps)
    th, tl = problem.type_sets[0]
    k = np.arange(problem.n_agents)
    v = problem.valuation.value
    xh1, xl0 = xh[k + 1], xl[k]
    return DominantCells(frozen(v(xh1, th)), frozen(v(xl0, tl)), frozen(v(xh1, tl)),
                         frozen(v(xl0, th)), epsilon=eps, form="count")


def condition_a1_gaps(problem: AllocationProblem, epsilon: float):
    """K_i(θ_i, φ_i, θ_{-i}, ε) of (5.7) for both misreports, and the (5.25) right-hand side.

    Returns ``(K_HL, K_LH, rhs)``, each of the cell shape of :func:`dsic_cells`; K_HL is the
    gap for true H misreporting L. The objective includes the supplier cost (it cancels in
    (5.25)). (A1) at ε is ``min(K_HL + K_LH) > 0``; (5.9) is ``min(K_HL, K_LH) > 0``.
    ``rhs = K_HL + K_LH + ε (f(A_HH) + f(A_LL) - f(A_HL) - f(A_LH))`` equals Φ by (5.25).
    """
    check_binary(problem, "condition_a1_gaps")
    eps = _check_epsilon(epsilon)
    x = allocation_table(problem, eps)
    cells = dsic_cells(problem, eps, table=x)
    n = problem.n_agents
    shape = (n,) + (2,) * (n - 1)
    k_hl, k_lh = np.empty(shape), np.empty(shape)
    for i, prof, lo, cell in _high_reports(problem):
        true_h, true_l = problem.types_of(prof), problem.types_of(lo)
        k_hl[cell] = problem.objective(x[prof], true_h, eps) - problem.objective(x[lo], true_h, eps)
        k_lh[cell] = problem.objective(x[lo], true_l, eps) - problem.objective(x[prof], true_l, eps)
    f = np.square
    rhs = k_hl + k_lh + eps * (f(cells.A_HH) + f(cells.A_LL) - f(cells.A_HL) - f(cells.A_LH))
    return k_hl, k_lh, rhs


# --------------------------------------------------------------------------- taxes
def _cell_taxes(cells: DominantCells, rule: str):
    d_lo, d_hi = cells.d_bounds
    a_hh, a_ll = cells.A_HH, cells.A_LL
    if rule == "revenue_max":
        d = np.clip(a_hh - a_ll, d_lo, d_hi)
        t_l = np.minimum(a_ll, a_hh - d)
        return t_l + d, t_l
    # min_norm: for fixed d the best t_L is min(-d/2, A_LL, A_HH - d); then a convex 1-d problem
    t_h = np.empty_like(a_hh)
    t_l = np.empty_like(a_hh)
    for idx in np.ndindex(a_hh.shape):
        def norm(d, idx=idx):
            tl = min(-d / 2, a_ll[idx], a_hh[idx] - d)
            return (tl + d) ** 2 + tl ** 2
        lo, hi = d_lo[idx], d_hi[idx]
        d = lo if hi - lo < 1e-14 else optimize.minimize_scalar(
            norm, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x
        tl = min(-d / 2, a_ll[idx], a_hh[idx] - d)
        t_h[idx], t_l[idx] = tl + d, tl
    return t_h, t_l


@dataclass(frozen=True, eq=False)
class DSICTaxes:
    """DSIC and ex-post IR taxes (Theorem 3.1, Lemma 9.1), or the reason none exist.

    Attributes
    ----------
    taxes : ndarray or None
        Profile form: shape ``(2,) * N + (N,)``, taxes[ψ][i] = t_i(ψ). Count form: shape
        ``(2, N + 1)``, rows (t_H(m), t_L(m)) for m high reports (NaN where absent).
    success : bool
        False when some cell has Φ < 0 (no DSIC + IR taxes exist, Lemma 9.1).
    message : str
    phi_min : float
        min Φ over the cells.
    method : str
        The tax rule.
    parameters : dict
    """
    taxes: Optional[np.ndarray] = field(repr=False)
    success: bool
    message: str
    phi_min: float
    epsilon: float
    method: str
    parameters: dict = field(default_factory=dict)


def dsic_taxes(problem: AllocationProblem, epsilon: float, *, rule: str = "revenue_max",
               tol: float = 0.0) -> DSICTaxes:
    """DSIC + ex-post IR taxes for every profile (profile form; small N), or infeasible.

    Parameters
    ----------
    problem : AllocationProblem (binary type sets)
    epsilon : float
    rule : {"revenue_max", "min_norm"}
    tol : float
        Cells with Φ ≥ -tol count as feasible (rounding); d is then taken at the midpoint.
    """
    check_choice("rule", rule, DSIC_TAX_RULES)
    cells = dsic_cells(problem, epsilon)
    params = dict(rule=rule, tol=tol, form="profile")
    if cells.phi_min < -tol:
        bad = tuple(int(b) for b in np.unravel_index(np.argmin(cells.phi), cells.phi.shape))
        return DSICTaxes(None, False, f"infeasible: Φ = {cells.phi_min:.3e} < 0 for agent {bad[0]} "
                         f"with others' reports {bad[1:]} (Lemma 9.1)", cells.phi_min,
                         cells.epsilon, rule, params)
    t_h, t_l = _cell_taxes(cells, rule)
    n = problem.n_agents
    taxes = np.empty((2,) * n + (n,))
    for prof in problem.profiles():
        for i in range(n):
            cell = (i,) + _others_index(i, prof)
            taxes[prof + (i,)] = t_h[cell] if prof[i] == 0 else t_l[cell]
    return DSICTaxes(frozen(taxes), True, "DSIC and ex-post IR taxes (Lemma 9.1 cells feasible)",
                     cells.phi_min, cells.epsilon, rule, params)


def dsic_taxes_by_count(problem: AllocationProblem, epsilon: float, *, rule: str = "revenue_max",
                        tol: float = 0.0) -> DSICTaxes:
    """DSIC + IR taxes of a symmetric binary instance, as (t_H(m), t_L(m)).

    For §6 and ``"revenue_max"``: t_L(k) = θ_L x_L(k), t_H(k+1) = θ_H x_H(k+1) - (θ_H - θ_L) x_L(k).
    """
    check_choice("rule", rule, DSIC_TAX_RULES)
    cells = dsic_cells_by_count(problem, epsilon)
    params = dict(rule=rule, tol=tol, form="count")
    if cells.phi_min < -tol:
        k = int(np.argmin(cells.phi))
        return DSICTaxes(None, False, f"infeasible: Φ = {cells.phi_min:.3e} < 0 with k = {k} other "
                         f"high reports (Lemma 9.1)", cells.phi_min, cells.epsilon, rule, params)
    t_h, t_l = _cell_taxes(cells, rule)
    n = problem.n_agents
    out = np.full((2, n + 1), np.nan)
    out[0, 1:] = t_h                       # t_H(k + 1)
    out[1, :-1] = t_l                      # t_L(k)
    return DSICTaxes(frozen(out), True, "DSIC and ex-post IR taxes (Lemma 9.1 cells feasible)",
                     cells.phi_min, cells.epsilon, rule, params)


@dataclass(frozen=True, eq=False)
class DSICReport:
    """Brute-force check of DSIC (5.26) and ex-post IR (5.6).

    ``max_gain``: the largest utility gain of a misreport over truth (≤ tol for DSIC);
    ``min_ir``: the smallest truthful ex-post utility (≥ -tol for IR); ``worst``: where the
    largest gain occurs (agent, profile, misreport) or (k, true type) in count form.
    """
    dsic: bool
    ir: bool
    max_gain: float
    min_ir: float
    worst: tuple
    tol: float
    checked: int

    def as_result(self, budget_imbalance=None) -> MechanismResult:
        """The layer's common record (full enumeration: method ``"exact"``)."""
        ok = self.dsic and self.ir
        return MechanismResult(
            mechanism="ch5-dominant", checked="DSIC (5.26) + ex-post IR (5.6)", method="exact",
            success=ok, message=(f"{self.checked} misreports enumerated; max gain "
                                 f"{self.max_gain:.3g}, min ex-post utility {self.min_ir:.3g}"),
            max_gain=float(self.max_gain), budget_imbalance=budget_imbalance,
            individually_rational=bool(self.ir), details=self, parameters={"tol": self.tol})


def check_dsic(problem: AllocationProblem, epsilon: float, taxes, *, tol: float = 1e-9) -> DSICReport:
    """Every agent, every true profile (others' reports arbitrary), every misreport, enumerated.

    Works for any finite type sets (not only binary). ``taxes`` has shape ``n_types + (N,)``.
    """
    eps = _check_epsilon(epsilon)
    taxes = np.asarray(taxes.taxes if isinstance(taxes, DSICTaxes) else taxes, dtype=float)
    n = problem.n_agents
    if taxes.shape != problem.n_types + (n,):
        raise ValueError(f"taxes: expected shape {problem.n_types + (n,)}, got {taxes.shape}")
    x = allocation_table(problem, eps)
    v = problem.valuation.value
    max_gain, worst, min_ir, count = -np.inf, (), np.inf, 0
    for prof in problem.profiles():
        for i in range(n):
            theta = problem.type_sets[i][prof[i]]
            truth = v(x[prof][i], theta) - taxes[prof][i]
            min_ir = min(min_ir, float(truth))
            for phi in range(problem.n_types[i]):
                if phi == prof[i]:
                    continue
                lie = prof[:i] + (phi,) + prof[i + 1:]
                gain = float(v(x[lie][i], theta) - taxes[lie][i] - truth)
                count += 1
                if gain > max_gain:
                    max_gain, worst = gain, (i, prof, phi)
    return DSICReport(max_gain <= tol, min_ir >= -tol, max_gain, min_ir, worst, tol, count)


def check_dsic_by_count(problem: AllocationProblem, epsilon: float, taxes, *, tol: float = 1e-9
                        ) -> DSICReport:
    """DSIC and IR for a symmetric binary instance, with taxes (t_H(m), t_L(m)), shape (2, N+1).

    For every k = 0..N-1 other high reports and both true types, truth against the misreport.
    """
    eps = _check_epsilon(epsilon)
    t = np.asarray(taxes.taxes if isinstance(taxes, DSICTaxes) else taxes, dtype=float)
    n = problem.n_agents
    if t.shape != (2, n + 1):
        raise ValueError(f"taxes: expected shape (2, {n + 1}), got {t.shape}")
    xh, xl = allocation_by_count(problem, eps)
    th, tl = problem.type_sets[0]
    v = problem.valuation.value
    k = np.arange(n)
    u_h_truth = v(xh[k + 1], th) - t[0, k + 1]
    u_h_lie = v(xl[k], th) - t[1, k]
    u_l_truth = v(xl[k], tl) - t[1, k]
    u_l_lie = v(xh[k + 1], tl) - t[0, k + 1]
    gains = np.stack([u_h_lie - u_h_truth, u_l_lie - u_l_truth])
    idx = np.unravel_index(np.argmax(gains), gains.shape)
    min_ir = float(min(u_h_truth.min(), u_l_truth.min()))
    return DSICReport(bool(gains.max() <= tol), min_ir >= -tol, float(gains.max()), min_ir,
                      (int(idx[1]), "H" if idx[0] == 0 else "L"), tol, int(gains.size))


def dsic_epsilon_max(problem: AllocationProblem, grid, *, by_count: bool = False,
                     xtol: float = 1e-10):
    """ε̃_max: the first ε where min Φ(ε) < 0 (grid scan, then bisection; notes §2.5).

    Parameters
    ----------
    grid : increasing sequence of ε ≥ 0 (the first point should be feasible)
    by_count : use the count form (symmetric binary instances, any N)

    Returns
    -------
    float or None
        None if min Φ ≥ 0 on the whole grid (the threshold lies beyond it).
    """
    cells = dsic_cells_by_count if by_count else dsic_cells
    return first_crossing(lambda e: cells(problem, e).phi_min < 0, grid, xtol=xtol)


def linear_capacity_dsic_bound(n_agents: int, theta_high: float, theta_low: float) -> float:
    """Exact DSIC threshold of the §6 example: ε̃_max = N / (2(θ_H + θ_L)) (notes §5.3).

    In the cell with k other high agents Φ = (θ_H - θ_L)(x_H(k+1) - x_L(k)), and x_H(k+1) ≥ x_L(k)
    with (5.19) reduces to ε ≤ N / (2(θ_H + θ_L)) for every k. The thesis's (5.20) is off by one
    (see :func:`thesis_eq_5_20`).
    """
    return float(n_agents) / (2.0 * (float(theta_high) + float(theta_low)))


def thesis_eq_5_20(n_agents: int, theta_high: float, theta_low: float,
                   n_high: Optional[int] = None) -> float:
    """ε̃_max as printed in (5.20a) (given m) or its m-free bound (5.20b). Known erratum.

    2ε̃ = (N+1)/(θ_H+θ_L) + θ_L² / ((θ_H+θ_L)(m θ_L² + (N-m-1) θ_H²)) (5.20a), and with
    (N-1)θ_H² in the last factor (5.20b). For N = 50, (1, 0.75) (5.20b) gives 14.5747 while the
    exact threshold is 14.2857: Φ < 0 in between.
    """
    n, th, tl = float(n_agents), float(theta_high), float(theta_low)
    s = th + tl
    if n_high is None:
        denom = (n - 1) * th * th
    else:
        m = float(n_high)
        denom = m * tl * tl + (n - m - 1) * th * th
    return 0.5 * ((n + 1) / s + tl * tl / (s * denom))

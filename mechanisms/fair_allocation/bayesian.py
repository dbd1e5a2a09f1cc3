"""Bayesian implementation of the fair allocation, thesis ch. 5 §4 and App. 9.3.

Arbitrary finite type sets, common full-support prior p ∈ Δ(Θ) with independent types (one
marginal per agent, or a joint array that is their product; condition (B) also takes correlated
priors), direct mechanism (x̂_ε, t), private valuations. Every interim expectation E[· | θ_i] is
spbe's stage kernel on the finite Bayesian game of reports (:func:`~._records.interim_utilities`).

* BSIC (5.35)/(5.37a): for every i and (θ_i, φ_i) ∈ 𝓕_i, truth is a best reply when the others
  are truthful: Σ_{θ_{-i}} p(θ_{-i}|θ_i)[v(x̂_i(θ); θ_i) - t_i(θ)] ≥ Σ p(θ_{-i}|θ_i)[v(x̂_i(φ_i, θ_{-i}); θ_i)
  - t_i(φ_i, θ_{-i})]. As a linear system A t ≤ b with one row per (i, θ_i, φ_i): D_2 = Σ_i L_i(L_i - 1)
  rows (the thesis prints Π_i (L_i² - L_i), a typo).
* SBB (5.11) through the AGV form (5.36): t_i = z_i - Σ_{j≠i} z_j / (N - 1).
* (A2) (5.12): h_i (5.12b) is the un-transformed welfare difference (no g_ε; for the smart grid
  no cost term unless ``include_cost=True``), H(ε) = min_i min_𝓕 E[h_i | θ_i] (5.12a); ε_max is the
  first root of H (H is not monotone).
* Condition (B) (5.13): checked by LPs (notes §3.4), see :func:`condition_b`.
* Exact feasibility for independent priors (notes §3.6): BSIC(+SBB) taxes exist iff no agent has
  a negative cycle in the weights b(j, θ, φ) (:func:`bsic_cycle_weights`).

The count-form functions (``smart_grid_*``) handle the symmetric binary §7 instance (N = 100,
i.i.d. types) where enumerating 2^100 profiles is impossible (notes §6.3-6.5).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import linalg, optimize, sparse, stats

from .._arrays import check_choice
from .._levels import first_crossing
from ..results import MechanismResult
from ._records import (conditional, frozen, interim_utilities, joint_prior, report_rewards,
                       truth_advantage)
from .allocation import AllocationProblem, _check_epsilon, allocation_by_count, allocation_table

__all__ = ["BSICTaxes", "BSICReport", "bsic_rhs", "expected_welfare_gains",
           "H_of_epsilon", "bayesian_epsilon_max", "bsic_taxes", "check_bsic", "condition_b",
           "bsic_cycle_weights", "agv_taxes", "SmartGridBayesTerms", "smart_grid_bayes_terms",
           "smart_grid_tax_lp", "smart_grid_canonical_taxes", "BSIC_OBJECTIVES"]

BSIC_OBJECTIVES = ("min_norm", "max_slack")


# --------------------------------------------------------------------------- interim gains
def _pairs(n):
    return [(a, b) for a in range(n) for b in range(n) if a != b]


def bsic_rhs(problem: AllocationProblem, priors, epsilon: float, x: Optional[np.ndarray] = None):
    """b(i, θ_i, φ_i) of (5.37b): expected own-value gain of truth over misreport φ_i, the interim
    utilities of the tax-free direct mechanism (:func:`~._records.interim_utilities`).

    Returns a dict {(i, θ_i, φ_i): b} over all i and ordered pairs of type indices.
    """
    x = allocation_table(problem, epsilon) if x is None else x
    return truth_advantage(interim_utilities(problem, priors, report_rewards(problem, x)))


def expected_welfare_gains(problem: AllocationProblem, priors, epsilon: float, *,
                           include_cost: bool = False, x: Optional[np.ndarray] = None):
    """E[h_i(θ_i, φ_i, θ_{-i}, ε) | θ_i] of (5.12a)-(5.12b) for every (i, θ_i, φ_i).

    h_i = Σ_j [v(x̂_j(θ); θ_j) - v(x̂_j(φ_i, θ_{-i}); θ_j)]; ``include_cost`` subtracts C(Σ x̂) on
    both sides (the variant of notes §3.5 remark; not the thesis's H). Every agent is given the
    welfare as its reward and :func:`~._records.interim_utilities` takes the expectations.
    """
    x = allocation_table(problem, epsilon) if x is None else x
    R = report_rewards(problem, x)
    welfare = R.sum(axis=0)
    if include_cost:
        welfare = welfare - problem.supplier_cost(x.sum(axis=-1))         # over reports φ
    return truth_advantage(interim_utilities(problem, priors, np.broadcast_to(welfare, R.shape)))


def H_of_epsilon(problem: AllocationProblem, priors, epsilon: float, *, include_cost: bool = False
                 ) -> float:
    """H(ε) of (5.12a) (profile form)."""
    return float(min(expected_welfare_gains(problem, priors, epsilon,
                                            include_cost=include_cost).values()))


def bayesian_epsilon_max(problem: AllocationProblem, priors, grid, *, include_cost: bool = False,
                         xtol: float = 1e-10):
    """ε_max of (A2): the first ε ≥ 0 with H(ε) ≤ 0 (grid scan + bisection).

    Returns grid[0] if H(grid[0]) ≤ 0 and None if H > 0 on the whole grid
    (:func:`mechanisms._levels.first_crossing`).
    """
    return first_crossing(lambda e: H_of_epsilon(problem, priors, e, include_cost=include_cost) <= 0,
                          grid, xtol=xtol)


# --------------------------------------------------------------------------- taxes (LP)
def _bsic_system(problem, p, b):
    """Rows of A t ≤ b over t flattened from shape n_types + (N,) (C order): the row of
    (i, θ_i, φ_i) weighs t_i(θ_i, θ_{-i}) by p(θ_{-i}|θ_i) and t_i(φ_i, θ_{-i}) by its negative."""
    n, shape = problem.n_agents, problem.n_types
    flat = np.arange(int(np.prod(shape)) * n).reshape(shape + (n,))
    rows, cols, vals, keys = [], [], [], []
    for i in range(n):
        cond = np.moveaxis(conditional(p, i), i, 0)
        ti = np.moveaxis(flat[..., i], i, 0)
        for th, ph in _pairs(shape[i]):
            w = cond[th].ravel()
            rows.append(np.full(2 * w.size, len(keys)))
            cols.append(np.stack([ti[th].ravel(), ti[ph].ravel()], axis=1).ravel())
            vals.append(np.stack([w, -w], axis=1).ravel())
            keys.append((i, th, ph))
    A = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(keys), flat.size))
    return A, np.array([b[k] for k in keys]), keys


def _agv_matrix(problem):
    """M with t = M z, t_i(ψ) = z_i(ψ) - Σ_{j≠i} z_j(ψ)/(N-1) (5.36)."""
    n = problem.n_agents
    n_prof = int(np.prod(problem.n_types))
    block = (1 + 1 / (n - 1)) * np.eye(n) - np.ones((n, n)) / (n - 1)
    return sparse.kron(sparse.eye(n_prof), sparse.csr_matrix(block), format="csr")


def agv_taxes(z) -> np.ndarray:
    """AGV (5.36): t_i(ψ) = z_i(ψ) - Σ_{j≠i} z_j(ψ)/(N-1); z has shape (..., N). Σ_i t_i = 0."""
    z = np.asarray(z, dtype=float)
    n = z.shape[-1]
    if n < 2:
        raise ValueError("z: the AGV form needs at least two agents")
    return z - (z.sum(axis=-1, keepdims=True) - z) / (n - 1)


@dataclass(frozen=True, eq=False)
class BSICTaxes:
    """BSIC taxes (Theorem 4.1), optionally SBB, from the LP (5.37b).

    Attributes
    ----------
    taxes : ndarray, shape ``n_types + (N,)``, or None when infeasible. taxes[ψ][i] = t_i(ψ).
    success, status, message : scipy vocabulary (status 0 ok, 2 infeasible, 4 numerical trouble)
    slack : float
        min over the BSIC rows of b - A t (≥ 0; the γ* of the max-slack LP when ``max_slack``).
    sbb : bool
    method : the objective ("min_norm": feasible taxes of least Σ|t|; "max_slack": largest
        uniform slack γ ≤ ``slack_cap``, then least Σ|t| among those).
    """
    taxes: Optional[np.ndarray] = field(repr=False)
    success: bool
    status: int
    message: str
    slack: float
    epsilon: float
    sbb: bool
    method: str
    parameters: dict = field(default_factory=dict)


def bsic_taxes(problem: AllocationProblem, priors, epsilon: float, *, sbb: bool = True,
               objective: str = "max_slack", slack_cap: Optional[float] = 1.0) -> BSICTaxes:
    """BSIC (and SBB) taxes by linear programming over (5.37b) (HiGHS).

    Parameters
    ----------
    problem : AllocationProblem
    priors : per-agent marginals or their product array (full support)
    epsilon : float
    sbb : bool
        Strong budget balance Σ_i t_i(ψ) = 0 in every profile, via the AGV variables z.
    objective : {"max_slack", "min_norm"}
    slack_cap : float or None
        Upper bound on the uniform slack γ of the max-slack LP (None: uncapped; γ ≤ half the
        smallest 2-cycle weight, so the LP stays bounded).
    """
    eps = _check_epsilon(epsilon)
    check_choice("objective", objective, BSIC_OBJECTIVES)
    if slack_cap is not None and not (np.isfinite(slack_cap) and slack_cap > 0):
        raise ValueError(f"slack_cap: must be a positive number, got {slack_cap!r}")
    p = joint_prior(problem, priors)
    x = allocation_table(problem, eps)
    b = bsic_rhs(problem, priors, eps, x=x)
    A_t, rhs, _ = _bsic_system(problem, p, b)
    M = _agv_matrix(problem) if sbb else sparse.eye(A_t.shape[1], format="csr")
    A = (A_t @ M).tocsr()
    n_var = A.shape[1]
    params = dict(objective=objective, sbb=sbb, slack_cap=slack_cap, solver="highs")
    scale = max(1.0, float(np.abs(rhs).max()))
    gamma = 0.0
    if objective == "max_slack":
        c = np.zeros(n_var + 1)
        c[-1] = -1.0
        A1 = sparse.hstack([A, np.ones((A.shape[0], 1))], format="csr")
        res = optimize.linprog(c, A_ub=A1, b_ub=rhs, bounds=[(None, None)] * n_var + [(None, slack_cap)],
                               method="highs")
        if res.status != 0:
            return BSICTaxes(None, False, 4, f"max-slack LP failed: {res.message}", np.nan, eps,
                             sbb, objective, params)
        gamma = float(res.x[-1])
        if gamma < -1e-9 * scale:
            return BSICTaxes(None, False, 2, f"infeasible: the largest uniform BSIC slack is "
                             f"{gamma:.3e} < 0 at ε = {eps:g}", gamma, eps, sbb, objective, params)
        gamma = max(gamma, 0.0)
    # least Σ|t| with slack ≥ γ (1 - 1e-9): variables (y, s), t = M y, -s ≤ t ≤ s
    n_t = M.shape[0]
    I = sparse.eye(n_t, format="csr")
    A_ub = sparse.vstack([sparse.hstack([A, sparse.csr_matrix((A.shape[0], n_t))]),
                          sparse.hstack([M, -I]), sparse.hstack([-M, -I])], format="csr")
    b_ub = np.concatenate([rhs - gamma * (1 - 1e-9), np.zeros(2 * n_t)])
    c = np.concatenate([np.zeros(n_var), np.ones(n_t)])
    res = optimize.linprog(c, A_ub=A_ub, b_ub=b_ub,
                           bounds=[(None, None)] * n_var + [(0, None)] * n_t, method="highs")
    if res.status == 2:
        return BSICTaxes(None, False, 2, f"infeasible: no BSIC{' + SBB' if sbb else ''} taxes at "
                         f"ε = {eps:g}", np.nan, eps, sbb, objective, params)
    if res.status != 0:
        return BSICTaxes(None, False, 4, f"LP failed: {res.message}", np.nan, eps, sbb, objective, params)
    t = (M @ res.x[:n_var]).reshape(problem.n_types + (problem.n_agents,))
    slack = float(np.min(rhs - A_t @ t.ravel()))
    return BSICTaxes(frozen(t), True, 0, f"BSIC{' + SBB' if sbb else ''} taxes ({objective}), "
                     f"min slack {slack:.6g}", slack, eps, sbb, objective, params)


@dataclass(frozen=True, eq=False)
class BSICReport:
    """Exact check of BSIC on spbe's stage kernel: truth against every misreport, the others truthful.

    ``max_gain`` = max over (i, θ_i, φ_i) of expected utility(misreport) - expected utility(truth);
    ``holds`` iff max_gain ≤ tol. ``budget_imbalance`` = max_ψ |Σ_i t_i(ψ)|.
    """
    holds: bool
    max_gain: float
    worst: tuple
    budget_imbalance: float
    tol: float
    checked: int

    def as_result(self) -> MechanismResult:
        """The layer's common record (every agent, type and misreport enumerated with exact
        expectations: method ``"exact"``; interim IR is not part of this check)."""
        return MechanismResult(
            mechanism="ch5-bayesian", checked="BSIC (5.35)/(5.37a)", method="exact", success=self.holds,
            message=f"{self.checked} misreports enumerated; max expected gain {self.max_gain:.3g}",
            max_gain=float(self.max_gain), budget_imbalance=float(self.budget_imbalance),
            details=self, parameters={"tol": self.tol})


def check_bsic(problem: AllocationProblem, priors, epsilon: float, taxes, *, tol: float = 1e-9
               ) -> BSICReport:
    """BSIC (5.35)/(5.37a) on the induced finite Bayesian game (δ = 0 :class:`spbe.DynamicGame`,
    :func:`~.full_implementation.direct_mechanism_game`): spbe's stage kernel gives every agent's
    interim utility ``U^i(θ_i, φ_i)`` of each report against the others' truthful reports
    (:func:`~._records.interim_utilities`); the gain of a misreport is
    ``U^i(θ_i, φ_i) - U^i(θ_i, θ_i)``."""
    eps = _check_epsilon(epsilon)
    t = np.asarray(taxes.taxes if isinstance(taxes, BSICTaxes) else taxes, dtype=float)
    n = problem.n_agents
    if t.shape != problem.n_types + (n,):
        raise ValueError(f"taxes: expected shape {problem.n_types + (n,)}, got {t.shape}")
    R = report_rewards(problem, allocation_table(problem, eps), t)
    gains = {k: -a for k, a in truth_advantage(interim_utilities(problem, priors, R)).items()}
    worst = max(gains, key=gains.get)
    imbalance = float(np.abs(t.sum(axis=-1)).max())
    return BSICReport(gains[worst] <= tol, gains[worst], worst, imbalance, tol, len(gains))


# --------------------------------------------------------------------------- condition (B)
def condition_b(problem: AllocationProblem, priors, *, tol: float = 1e-9):
    """Condition (B) (5.13) on the priors, by 2|Θ| linear programs (notes §3.4).

    (B) fails iff some λ ≥ 0 (Σλ = 1) and R ≠ 0 satisfy, for all i and ψ,
    p(ψ_{-i}|ψ_i) Σ_{φ≠ψ_i} λ_i(ψ_i, φ) - Σ_{θ≠ψ_i} p(ψ_{-i}|θ) λ_i(θ, ψ_i) = R(ψ).

    This is the orientation that A_zᵀλ = 0 of the AGV system gives (outflow of ψ_i in the first
    sum); the OCR of (5.13) prints λ_i(φ, ψ_i) in both sums, which makes the left-hand side
    vanish identically for independent priors. Both orientations give "holds" for independent
    priors.

    Returns
    -------
    (holds, max_abs_R) : (bool, float)
    """
    p = joint_prior(problem, priors)
    n, shape = problem.n_agents, problem.n_types
    n_prof = int(np.prod(shape))
    flat = np.arange(n_prof).reshape(shape)
    blocks = []                          # agent i's rows (profiles, C order) on its λ_i(θ, φ)
    for i in range(n):
        cond, prof = np.moveaxis(conditional(p, i), i, 0), np.moveaxis(flat, i, 0)
        block = np.zeros((n_prof, shape[i] * (shape[i] - 1)))
        for col, (th, ph) in enumerate(_pairs(shape[i])):
            block[prof[th].ravel(), col] = cond[th].ravel()      # outflow of ψ_i = θ
            block[prof[ph].ravel(), col] = -cond[th].ravel()     # inflow into ψ_i = φ
        blocks.append(block)
    n_lam = sum(b.shape[1] for b in blocks)
    A_eq = np.vstack([np.hstack([linalg.block_diag(*blocks), np.tile(-np.eye(n_prof), (n, 1))]),
                      np.concatenate([np.ones(n_lam), np.zeros(n_prof)])])
    b_eq = np.zeros(A_eq.shape[0])
    b_eq[-1] = 1.0
    bounds = [(0, None)] * n_lam + [(None, None)] * n_prof
    worst = 0.0
    for k in range(n_prof):
        for s in (1.0, -1.0):
            c = np.zeros(n_lam + n_prof)
            c[n_lam + k] = -s
            res = optimize.linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:                      # unbounded: R can be scaled? (not with Σλ = 1)
                return False, np.inf
            if res.status == 0:
                worst = max(worst, -res.fun)
    return worst <= tol, float(worst)


def bsic_cycle_weights(problem: AllocationProblem, priors, epsilon: float):
    """Per agent, the minimum mean... no: the minimum total weight of a directed cycle in b(j, ·, ·).

    For independent priors BSIC (with or without SBB) is feasible iff every value is ≥ 0
    (notes §3.6, a no-negative-cycle test by Floyd-Warshall). For two types the only cycle is
    b(j, H, L) + b(j, L, H), the "A" of §7.

    Returns
    -------
    ndarray, shape (N,)
        min over simple directed cycles of Σ b (a negative value certifies infeasibility).
    """
    b = bsic_rhs(problem, priors, epsilon)
    out = np.empty(problem.n_agents)
    for j in range(problem.n_agents):
        L = problem.n_types[j]
        best = np.inf
        # enumerate simple cycles through their smallest vertex (type sets are small)
        for length in range(2, L + 1):
            for cyc in itertools.permutations(range(L), length):
                if cyc[0] != min(cyc):
                    continue
                w = sum(b[(j, cyc[k], cyc[(k + 1) % length])] for k in range(length))
                best = min(best, w)
        out[j] = best
    return out


# --------------------------------------------------------------------------- §7 count form
@dataclass(frozen=True, eq=False)
class SmartGridBayesTerms:
    """The §7 quantities at one ε (notes §6.3), i.i.d. types with P(θ_H) = p.

    ``h_high_to_low``, ``h_low_to_high``: E[h | H→L], E[h | L→H] (5.12a, no cost);
    ``H`` their minimum; ``U_H``, ``U_L`` the BSIC bounds T_H - T_L ∈ [-U_L, U_H];
    ``A = U_H + U_L`` (taxes exist iff A ≥ 0); ``expected_cost`` E_m[C(Y(m))];
    ``expected_low_value`` E_k[v_L(x_L(k))].
    """
    epsilon: float
    p_high: float
    h_high_to_low: float
    h_low_to_high: float
    U_H: float
    U_L: float
    expected_cost: float
    expected_low_value: float
    x_high: np.ndarray = field(repr=False)
    x_low: np.ndarray = field(repr=False)

    @property
    def H(self) -> float:
        return min(self.h_high_to_low, self.h_low_to_high)

    @property
    def A(self) -> float:
        return self.U_H + self.U_L


def _symmetric_checks(problem):
    if len(set(problem.type_sets)) != 1 or problem.n_types[0] != 2 or len(set(problem.lower)) != 1:
        raise ValueError("problem: the count form needs identical binary type sets and minima")


def smart_grid_bayes_terms(problem: AllocationProblem, epsilon: float, p_high: float = 0.1
                           ) -> SmartGridBayesTerms:
    """H, A and the BSIC bounds of a symmetric binary instance with i.i.d. types (count form)."""
    _symmetric_checks(problem)
    eps = _check_epsilon(epsilon)
    if not 0 < p_high < 1:
        raise ValueError(f"p_high: must lie in (0, 1) (full support), got {p_high!r}")
    n = problem.n_agents
    th, tl = problem.type_sets[0]
    v = problem.valuation.value
    xh, xl = allocation_by_count(problem, eps)
    k = np.arange(n)
    q = stats.binom.pmf(k, n - 1, p_high)
    vH = lambda z: v(np.nan_to_num(z), th)          # noqa: E731  (terms with zero count are 0)
    vL = lambda z: v(np.nan_to_num(z), tl)          # noqa: E731
    kk, rest = k, n - 1 - k
    # H true reports L: truth has k+1 highs, the lie k
    truth_hl = (kk + 1) * vH(xh[k + 1]) + rest * np.where(rest > 0, vL(xl[np.minimum(k + 1, n - 1)]), 0)
    lie_hl = vH(xl[k]) + kk * np.where(kk > 0, vH(xh[np.maximum(k, 1)]), 0) + rest * vL(xl[k])
    truth_lh = vL(xl[k]) + kk * np.where(kk > 0, vH(xh[np.maximum(k, 1)]), 0) + rest * vL(xl[k])
    lie_lh = vL(xh[k + 1]) + kk * vH(xh[k + 1]) + rest * np.where(rest > 0, vL(xl[np.minimum(k + 1, n - 1)]), 0)
    U_H = float(np.dot(q, vH(xh[k + 1]) - vH(xl[k])))
    U_L = float(np.dot(q, vL(xl[k]) - vL(xh[k + 1])))
    m = np.arange(n + 1)
    P = stats.binom.pmf(m, n, p_high)
    Y = m * np.nan_to_num(xh) + (n - m) * np.nan_to_num(xl)
    return SmartGridBayesTerms(eps, float(p_high), float(np.dot(q, truth_hl - lie_hl)),
                               float(np.dot(q, truth_lh - lie_lh)), U_H, U_L,
                               float(np.dot(P, problem.supplier_cost(Y))),
                               float(np.dot(q, vL(xl[k]))), frozen(xh), frozen(xl))


def smart_grid_canonical_taxes(problem: AllocationProblem, epsilon: float, p_high: float = 0.1, *,
                               rule: str = "min_total"):
    """Own-report-only taxes (τ_H, τ_L) of notes §6.5 (our canonical choice; the thesis's LP is
    degenerate and does not determine the within-profile spread).

    ``"min_total"`` (rule 1): D = clip(0, [-U_L, U_H]), τ_L = E[C]/N - pD, τ_H = τ_L + D
    (expected revenue = expected cost, the least the supplier accepts).
    ``"max_total"`` (rule 2, interim IR of the low type binding): τ_L = E_k v_L(x_L(k)),
    τ_H = τ_L + U_H. ``"midpoint"``: D = (U_H - U_L)/2, τ_L = E[C]/N - pD (strict slack A/2 on both
    BSIC rows; used for the full-implementation augmentation).

    Returns
    -------
    (tau_high, tau_low, terms) ; raises ValueError when A < 0 (no BSIC taxes).
    """
    terms = smart_grid_bayes_terms(problem, epsilon, p_high)
    if terms.A < -1e-12:
        raise ValueError(f"epsilon: no BSIC taxes exist at ε = {epsilon} (A = {terms.A:.3e} < 0)")
    n = problem.n_agents
    if rule == "min_total":
        d = float(np.clip(0.0, -terms.U_L, terms.U_H))
        tau_l = terms.expected_cost / n - p_high * d
    elif rule == "max_total":
        tau_l = terms.expected_low_value
        d = terms.U_H
    elif rule == "midpoint":
        d = 0.5 * (terms.U_H - terms.U_L)
        tau_l = terms.expected_cost / n - p_high * d
    else:
        raise ValueError(f"rule: expected 'min_total', 'max_total' or 'midpoint', got {rule!r}")
    return tau_l + d, tau_l, terms


def smart_grid_tax_lp(problem: AllocationProblem, epsilon: float, p_high: float = 0.1, *,
                      rule: str = "min_total", ir: str = "interim"):
    """The §7 tax-selection LPs over t_H(m) (m = 1..N), t_L(m) (m = 0..N-1), i.i.d. types.

    ``"min_total"`` (rule 1): min E_m[Σ_i t_i] s.t. BSIC, t ≥ 0, E_m[Σ t_i - C(Y)] ≥ 0.
    ``"max_total"`` (rule 2): max E_m[Σ_i t_i] s.t. BSIC, t ≥ 0, IR (``"interim"`` or ``"ex_post"``;
    the thesis does not say which).

    Returns
    -------
    dict with ``optimum`` (expected total tax), ``t_high``, ``t_low`` (shape (N+1,), NaN where
    absent; a HiGHS vertex: the LP is degenerate, see notes §6.5), ``success``, ``message``.
    """
    _symmetric_checks(problem)
    eps = _check_epsilon(epsilon)
    check_choice("rule", rule, ("min_total", "max_total"))
    check_choice("ir", ir, ("interim", "ex_post"))
    terms = smart_grid_bayes_terms(problem, eps, p_high)
    n = problem.n_agents
    th, tl = problem.type_sets[0]
    v = problem.valuation.value
    xh, xl = terms.x_high, terms.x_low
    k = np.arange(n)
    q = stats.binom.pmf(k, n - 1, p_high)
    # variables: t_H(k+1) for k = 0..N-1 (index k), then t_L(k) (index N + k)
    T_H = np.concatenate([q, np.zeros(n)])
    T_L = np.concatenate([np.zeros(n), q])
    A_ub = [T_H - T_L, T_L - T_H]
    b_ub = [terms.U_H, terms.U_L]
    revenue = n * (p_high * T_H + (1 - p_high) * T_L)       # E_m[Σ_i t_i(m)]
    if rule == "min_total":
        A_ub.append(-revenue)
        b_ub.append(-terms.expected_cost)
        c = revenue
    else:
        if ir == "interim":
            A_ub += [T_H, T_L]
            b_ub += [float(np.dot(q, v(xh[k + 1], th))), float(np.dot(q, v(xl[k], tl)))]
            bounds = [(0, None)] * (2 * n)
        c = -revenue
    if rule == "max_total" and ir == "ex_post":
        bounds = [(0, float(v(xh[kk + 1], th))) for kk in k] + [(0, float(v(xl[kk], tl))) for kk in k]
    elif rule == "min_total":
        bounds = [(0, None)] * (2 * n)
    res = optimize.linprog(c, A_ub=np.array(A_ub), b_ub=np.array(b_ub), bounds=bounds, method="highs")
    t_high = np.full(n + 1, np.nan)
    t_low = np.full(n + 1, np.nan)
    if res.status == 0:
        t_high[1:] = res.x[:n]
        t_low[:-1] = res.x[n:]
    opt = float(res.fun) if rule == "min_total" else -float(res.fun) if res.status == 0 else np.nan
    return dict(optimum=opt if res.status == 0 else np.nan, t_high=t_high, t_low=t_low,
                success=res.status == 0, message=res.message, rule=rule, ir=ir, epsilon=eps)

"""Full Bayesian implementation: the augmented mechanism (5.16) of thesis ch. 5 §5, App. 9.4-9.5.

Each agent sends m_i = (φ_i, y_i) ∈ Θ_i × [-δ, +δ] (5.16a) and receives

    x̃_i(m) = x̂_{ε,i}(φ) + y_i                                              (5.16b)
    t̃_i(m) = t̂_i(φ) + y_i v'(x̂_{ε,i}(φ); φ_i)   if |y_i| < δ,   B if y_i = ±δ   (5.16c)

(the OCR prints the left side of (5.16b) as x̂_{ε,i}(m) and the condition of (5.16c) on "y"; they
are x̃_i(m) and y_i). t̂ is a BSIC (+SBB) tax with strict slack γ > 0. Theorem 5.1: truth with
y = 0 is a BNE, and, under the sign condition on v'(x̂_i(φ); θ_i) - v'(x̂_i(φ); φ_i), the only
pure one.

Constants (the thesis proves existence only; notes §4.3): δ < γ/Λ (part 1), δ < Ψ_min/κ
(part 2), B > 2V̄ + T̄ (+1). We also keep δ below the smallest allocation so that x̂ + y ≥ 0.

Limitations (stated by the notes, not handled by the thesis): x̂ + y may leave 𝒳 (in the smart
grid x_L = m_i, so y < 0 breaks the must-run bound); linear valuations (v'' = 0) leave y
indeterminate under truth (no uniqueness); only pure strategies are covered.

:func:`pure_bayesian_equilibria` enumerates every pure report strategy profile σ (Π_i L_i^{L_i}
of them) and, for each, every agent-type's supremum over (φ, y) (the utility is concave in y,
so the supremum over the open interval is found from the derivative (5.55) at ±δ). σ is part of
a pure BNE iff every agent-type's own report attains the overall supremum at an interior y.
:func:`direct_mechanism_equilibria` gives *all* equilibria (mixed too) of the un-augmented direct
mechanism through :func:`spbe.stage_equilibria` (support enumeration) on the induced finite
Bayesian game.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import optimize

import spbe

from .._arrays import check_positive
from ._records import conditional, frozen, interim_utilities, joint_prior, report_game, report_rewards
from .allocation import AllocationProblem, _check_epsilon, allocation_table

__all__ = ["AugmentationConstants", "augmentation_constants", "AugmentedMechanism",
           "PureEquilibria", "pure_bayesian_equilibria", "pure_direct_equilibria",
           "direct_mechanism_game", "direct_mechanism_equilibria", "bsic_slack"]


def _marginal(problem, x, theta):
    return np.asarray(problem.valuation.marginal(x, theta), dtype=float)


def bsic_slack(problem, priors, epsilon, taxes) -> float:
    """γ: the smallest BSIC slack of ``taxes`` (expected truth minus misreport utility)."""
    from .bayesian import check_bsic
    return -check_bsic(problem, priors, epsilon, taxes).max_gain


@dataclass(frozen=True, eq=False)
class AugmentationConstants:
    """δ and B of (5.16) with the quantities that bound them (notes §4.3).

    ``sign_condition``: the hypothesis of Theorem 5.1(2) (the sign of v'(x̂_i(φ); θ_i) -
    v'(x̂_i(φ); φ_i) does not depend on φ_{-i}); ``strictly_concave``: κ > 0 is needed for
    uniqueness of y = 0 under truth.
    """
    delta: float
    penalty: float
    gamma: float
    Lambda: float
    kappa: float
    psi_min: float
    x_min: float
    sign_condition: bool
    strictly_concave: bool
    safety: float


def augmentation_constants(problem: AllocationProblem, epsilon: float, priors, taxes, *,
                           safety: float = 0.5) -> AugmentationConstants:
    """δ = safety · min(γ/Λ, Ψ_min/κ, min x̂) and B = 2V̄ + T̄ + 1 (notes §4.3)."""
    eps = _check_epsilon(epsilon)
    if not 0 < safety < 1:
        raise ValueError(f"safety: must lie in (0, 1), got {safety!r}")
    t = np.asarray(getattr(taxes, "taxes", taxes), dtype=float)
    x = allocation_table(problem, eps)
    gamma = bsic_slack(problem, priors, eps, t)
    if gamma <= 0:
        raise ValueError(f"taxes: the BSIC slack γ = {gamma:.3e} is not positive; the augmentation "
                         "needs strict BSIC inequalities (Theorem 5.1)")
    n = problem.n_agents
    Lam, psi_min, sign_ok = 0.0, np.inf, True
    for i in range(n):
        ts = problem.type_sets[i]
        xi = x[..., i]
        for a, b in itertools.permutations(range(len(ts)), 2):
            Lam = max(Lam, abs(ts[a] - ts[b]))              # v' is 1-Lipschitz in θ for built-ins
            # cells: reports with φ_i = b, true type a
            sel = np.take(xi, b, axis=i)
            diff = _marginal(problem, sel, ts[a]) - _marginal(problem, sel, ts[b])
            psi_min = min(psi_min, float(np.abs(diff).min()))
            if not (np.all(diff > 0) or np.all(diff < 0)):
                sign_ok = False
    kappa = float(problem.valuation.curvature())
    x_min = float(x.min())
    bounds = [gamma / Lam]
    if kappa > 0 and psi_min > 0:
        bounds.append(psi_min / kappa)
    if x_min > 0:
        bounds.append(x_min)
    delta = safety * min(bounds)
    v_bar = float(np.max(np.abs(problem.valuation.value(x + delta, np.max(problem.type_sets)))))
    v_bar = max(v_bar, float(np.max(np.abs(problem.valuation.value(np.maximum(x - delta, 0), np.max(problem.type_sets))))))
    t_bar = float(np.abs(t).max()) + delta * max(max(ts) for ts in problem.type_sets)
    penalty = 2 * v_bar + t_bar + 1.0
    return AugmentationConstants(delta, penalty, gamma, Lam, kappa, psi_min, x_min, sign_ok,
                                 kappa > 0, safety)


@dataclass(frozen=True, eq=False)
class AugmentedMechanism:
    """The mechanism (5.16): base allocation x̂_ε, base taxes t̂, δ and B."""
    problem: AllocationProblem = field(repr=False)
    epsilon: float
    base_taxes: np.ndarray = field(repr=False)
    delta: float
    penalty: float
    allocation: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, problem, epsilon, base_taxes, *, delta: float, penalty: float):
        eps = _check_epsilon(epsilon)
        t = np.asarray(getattr(base_taxes, "taxes", base_taxes), dtype=float)
        if t.shape != problem.n_types + (problem.n_agents,):
            raise ValueError(f"base_taxes: expected shape {problem.n_types + (problem.n_agents,)}, "
                             f"got {t.shape}")
        check_positive("delta", delta)
        check_positive("penalty", penalty)
        return cls(problem, eps, frozen(t), float(delta), float(penalty),
                   frozen(allocation_table(problem, eps)))

    def outcome(self, reports, y):
        """(x̃(m), t̃(m)) for reports φ (type indices) and y ∈ [-δ, δ]^N."""
        reports = tuple(int(r) for r in reports)
        y = np.asarray(y, dtype=float)
        if np.any(np.abs(y) > self.delta + 1e-15):
            raise ValueError(f"y: every entry must lie in [-δ, δ] = [-{self.delta}, {self.delta}]")
        xh = self.allocation[reports]
        phis = self.problem.types_of(reports)
        tax = self.base_taxes[reports] + y * _marginal(self.problem, xh, phis)
        tax = np.where(np.abs(y) >= self.delta, self.penalty, tax)
        return xh + y, tax


@dataclass(frozen=True, eq=False)
class PureEquilibria:
    """Every pure-strategy BNE found by enumeration.

    ``equilibria``: tuple of (σ, ρ) with σ a tuple (per agent) of tuples (per true type) of
    report indices and ρ the matching y's (None for the direct mechanism); ``truthful`` flags
    which σ is the identity; ``n_profiles`` how many σ were enumerated.
    """
    equilibria: tuple
    n_profiles: int
    mechanism: str
    tol: float

    @property
    def truthful_only(self) -> bool:
        return len(self.equilibria) == 1 and _is_truth(self.equilibria[0][0])

    @property
    def non_truthful(self) -> tuple:
        return tuple(e for e in self.equilibria if not _is_truth(e[0]))


def _is_truth(sigma):
    return all(tuple(s) == tuple(range(len(s))) for s in sigma)


def _strategy_profiles(problem):
    per_agent = [list(itertools.product(range(L), repeat=L)) for L in problem.n_types]
    return itertools.product(*per_agent)


def _report_distribution(problem, p, i, th, sigma):
    """[(prob, others' reports profile with slot i)] for agent i of type th, others playing σ."""
    cond = conditional(p, i)
    out = []
    for prof in problem.profiles():
        if prof[i] != th:
            continue
        rep = tuple(sigma[j][prof[j]] for j in range(problem.n_agents))
        out.append((cond[prof], rep))
    return out


def _sup_over_y(problem, probs, xs, ts, theta, phi_val, delta, penalty, tol):
    """sup over y ∈ [-δ, δ] of the (5.53) utility for one report; (value, y*, attained)."""
    v = problem.valuation.value
    dv = lambda z: _marginal(problem, z, theta)        # noqa: E731
    price = _marginal(problem, xs, phi_val)

    def util(y):
        return float(np.dot(probs, v(xs + y, theta) - ts - y * price))

    def deriv(y):
        return float(np.dot(probs, dv(xs + y) - price))

    end_vals = [float(np.dot(probs, v(xs + s, theta))) - penalty for s in (-delta, delta)]
    d_lo, d_hi = deriv(-delta), deriv(delta)
    if abs(d_lo) <= tol and abs(d_hi) <= tol:           # flat (linear v): every y optimal
        y_star, attained = 0.0, True
    elif d_lo < 0 and d_hi < 0:
        y_star, attained = -delta, False
    elif d_lo > 0 and d_hi > 0:
        y_star, attained = delta, False
    elif d_lo >= 0 >= d_hi:
        y_star = optimize.brentq(deriv, -delta, delta, xtol=1e-14) if d_lo != d_hi else 0.0
        attained = True
        if abs(y_star) >= delta:                        # the root sits on the penalised endpoint
            attained = False
    else:                                               # convex kink: cannot happen for concave v
        raise RuntimeError("the utility is not concave in y")
    sup = util(y_star)
    return max(sup, *end_vals), y_star, attained and sup >= max(end_vals)


def pure_bayesian_equilibria(mechanism: AugmentedMechanism, priors, *, tol: float = 1e-9
                             ) -> PureEquilibria:
    """All pure BNE (σ, ρ) of the augmented game (5.16), by enumeration over σ (small games)."""
    problem = mechanism.problem
    p = joint_prior(problem, priors)
    X, T = mechanism.allocation, mechanism.base_taxes
    found = []
    profiles = list(_strategy_profiles(problem))
    for sigma in profiles:
        rho = []
        ok = True
        for i in range(problem.n_agents):
            rho_i = []
            for th in range(problem.n_types[i]):
                theta = problem.type_sets[i][th]
                dist = _report_distribution(problem, p, i, th, sigma)
                probs = np.array([d[0] for d in dist])
                best, own = -np.inf, None
                for ph in range(problem.n_types[i]):
                    reps = [list(d[1]) for d in dist]
                    for r in reps:
                        r[i] = ph
                    xs = np.array([X[tuple(r)][i] for r in reps])
                    ts = np.array([T[tuple(r)][i] for r in reps])
                    val, y_star, attained = _sup_over_y(problem, probs, xs, ts, theta,
                                                        problem.type_sets[i][ph], mechanism.delta,
                                                        mechanism.penalty, tol)
                    best = max(best, val)
                    if ph == sigma[i][th]:
                        own = (val, y_star, attained)
                if not own[2] or own[0] < best - tol:
                    ok = False
                    break
                rho_i.append(own[1])
            if not ok:
                break
            rho.append(tuple(rho_i))
        if ok:
            found.append((sigma, tuple(rho)))
    return PureEquilibria(tuple(found), len(profiles), "augmented (5.16)", tol)


def pure_direct_equilibria(problem: AllocationProblem, epsilon: float, priors, taxes, *,
                           tol: float = 1e-9) -> PureEquilibria:
    """All pure BNE of the un-augmented direct mechanism (x̂_ε, t̂): every pure report profile σ
    is checked on the induced finite Bayesian game (:func:`direct_mechanism_game`) with spbe's
    stage kernel, ``U^i(θ_i, φ_i) = E_{θ_{-i}}[v(x̂_i(φ_i, σ_{-i}(θ_{-i})); θ_i) - t̂_i(...)]``
    (:func:`~._records.interim_utilities`, δ = 0); σ is a BNE iff ``U^i(θ_i, σ_i(θ_i)) =
    max_φ U^i(θ_i, φ)`` (up to ``tol``) for every agent and type."""
    game = direct_mechanism_game(problem, epsilon, taxes)
    found = []
    profiles = list(_strategy_profiles(problem))
    for sigma in profiles:
        U = interim_utilities(problem, priors, game, sigma)
        if all(U[i][th, s[th]] >= U[i][th].max() - tol for i, s in enumerate(sigma) for th in range(len(s))):
            found.append((sigma, None))
    return PureEquilibria(tuple(found), len(profiles), "direct (x̂_ε, t̂)", tol)


def direct_mechanism_game(problem: AllocationProblem, epsilon: float, taxes) -> "spbe.DynamicGame":
    """The finite Bayesian game induced by the direct mechanism, as a one-shot spbe game (δ = 0).

    Types and actions (reports) are the type indices; rewards R^i(θ, φ) = v(x̂_i(φ); θ_i) - t_i(φ).
    """
    eps = _check_epsilon(epsilon)
    t = np.asarray(getattr(taxes, "taxes", taxes), dtype=float)
    return report_game(problem, report_rewards(problem, allocation_table(problem, eps), t))


def direct_mechanism_equilibria(problem: AllocationProblem, epsilon: float, priors, taxes, *,
                                tol: float = 1e-9, max_unknowns: Optional[int] = None):
    """All (pure and mixed) BNE of the direct mechanism via :func:`spbe.stage_equilibria`.

    ``priors`` must be independent marginals (spbe's belief is one vector per agent).
    Returns the :class:`spbe.StageEquilibria` record (check ``complete``).
    """
    marg = [np.asarray(q, dtype=float) for q in priors]
    joint_prior(problem, marg)                         # validates
    game = direct_mechanism_game(problem, epsilon, taxes)
    return spbe.stage_equilibria(game, marg, tol=tol, max_unknowns=max_unknowns, check_e1=False)

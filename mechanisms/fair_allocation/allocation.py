"""The fair allocation rule x̂_ε(θ) of thesis ch. 5, eq. (5.4), with the smart-grid cost of (5.3).

    x̂_ε(θ) = argmax_{x ∈ 𝒳} Σ_i g_ε(v(x_i; θ_i)) - C(Σ_i x_i),   g_ε(z) = z - ε f(z),  f(z) = z²,

with 𝒳 = {x : x_i ≥ m_i, Σ_i x_i ≤ c} (either bound optional) and C(y) = a y² (a ≥ 0). Both
numerical examples of the chapter have this form: §6 (linear v, Σ x ≤ 1, a = 0) and §2.1/§7 (the
saturating quadratic v of (5.1), must-run minimum m_i, a = 0.3). The cost is *not* passed
through g_ε: only this reading reproduces the Gini values of §7 (notes §1.2).

Valuations are private, v(x_i; θ_i) (as §5 requires and both examples have).

Method (notes §6.2, generalised)
--------------------------------
For a multiplier λ ≥ 0 on Σ x, each agent's problem max_{x ≥ m_i} g_ε(v(x; θ_i)) - λ x is unimodal:
φ(x) = g'_ε(v(x; θ)) v'(x; θ) is positive and decreasing up to its first zero x₀ (where v saturates
or v = 1/(2ε)) and ≤ 0 beyond, so x_i(λ) is found by bisection on the predicate φ(x) > λ. Then
λ = 2aY solves the scalar fixed point Y = Σ x_i(2aY) (cost), or Σ x_i(λ) = c (capacity), both by
bisection since the right-hand sides decrease in λ. Restricted to [m_i, x₀] the problem is concave,
so the KKT point is the global maximiser; beyond x₀ g_ε(v) decreases (notes §1.1 [!]: g_ε is not
increasing for z > 1/(2ε); the solver does not assume it is).

For the linear valuation at ε = 0 the maximiser is not unique; the rule returns the thesis's
choice x_H = c / m (capacity shared equally by the highest types), and needs a = 0, m_i = 0.

Valuations without a compiled kernel (your own :class:`Valuation` subclass) are solved by SLSQP.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
from numba import njit
from scipy import optimize
from .._arrays import check_choice, check_number, check_positive

__all__ = ["Valuation", "LinearValuation", "SaturatingQuadraticValuation", "AllocationProblem",
           "fairness_transform", "fair_allocation", "allocation_table", "allocation_by_count",
           "linear_capacity_closed_form", "smart_grid_problem", "linear_capacity_problem"]

_LINEAR, _SAT_QUADRATIC, _CUSTOM = 0, 1, -1


def fairness_transform(z, epsilon: float):
    """g_ε(z) = z - ε z² (f(z) = z², the choice of both numerical examples, §6 and §7)."""
    return np.asarray(z, dtype=float) - epsilon * np.asarray(z, dtype=float) ** 2


class Valuation:
    """A private valuation v(x; θ), concave and non-decreasing in x ≥ 0.

    Subclass and implement :meth:`value` and :meth:`marginal` (∂v/∂x) for your own family;
    such valuations are allocated by SLSQP. :meth:`curvature` (|∂²v/∂x²| bound) is used by
    the full-implementation constants (notes §4.3).
    """
    code = _CUSTOM
    parameter = 0.0

    def value(self, x, theta):
        raise NotImplementedError

    def marginal(self, x, theta):
        raise NotImplementedError

    def curvature(self) -> float:
        """An upper bound on |v''| (κ of notes §4.3)."""
        raise NotImplementedError

    def saturation(self, theta: float) -> float:
        """Smallest x beyond which v(·; θ) is constant (inf if none)."""
        return np.inf


class LinearValuation(Valuation):
    """v(x; θ) = θ x (§6)."""
    code = _LINEAR

    def value(self, x, theta):
        return np.asarray(theta, dtype=float) * np.asarray(x, dtype=float)

    def marginal(self, x, theta):
        return np.broadcast_to(np.asarray(theta, dtype=float), np.shape(x)).astype(float)

    def curvature(self) -> float:
        return 0.0

    def __repr__(self):
        return "LinearValuation()"


class SaturatingQuadraticValuation(Valuation):
    """v(x; θ) = θ x - c x²/2 for 0 ≤ x < θ/c, θ²/(2c) beyond.

    With ``curvature=0.5`` this is the smart-grid utility (5.1): θx - x²/4 up to x = 2θ, θ² after.
    """
    code = _SAT_QUADRATIC

    def __init__(self, curvature: float = 0.5):
        c = check_positive("curvature", curvature)
        self.parameter = c

    def value(self, x, theta):
        x = np.asarray(x, dtype=float)
        theta = np.asarray(theta, dtype=float)
        c = self.parameter
        xs = np.minimum(x, theta / c)
        return theta * xs - 0.5 * c * xs * xs

    def marginal(self, x, theta):
        x = np.asarray(x, dtype=float)
        theta = np.asarray(theta, dtype=float)
        return np.maximum(theta - self.parameter * x, 0.0)

    def curvature(self) -> float:
        return self.parameter

    def saturation(self, theta: float) -> float:
        return float(theta) / self.parameter

    def __repr__(self):
        return f"SaturatingQuadraticValuation(curvature={self.parameter})"


# --------------------------------------------------------------------------- kernels
@njit(cache=True)
def _value(code, c, theta, x):
    if code == _LINEAR:
        return theta * x
    xs = min(x, theta / c)
    return theta * xs - 0.5 * c * xs * xs


@njit(cache=True)
def _phi(code, c, theta, x, eps):
    """g'_ε(v(x)) v'(x), the marginal fair welfare of one agent."""
    if code == _LINEAR:
        dv = theta
    else:
        dv = theta - c * x
        if dv < 0.0:
            dv = 0.0
    return (1.0 - 2.0 * eps * _value(code, c, theta, x)) * dv


@njit(cache=True)
def _agent_x(code, c, theta, lower, upper, lam, eps):
    """argmax_{lower ≤ x ≤ upper} g_ε(v(x)) - λ x by bisection on φ(x) > λ."""
    if _phi(code, c, theta, lower, eps) <= lam:
        return lower
    if _phi(code, c, theta, upper, eps) > lam:
        return upper
    lo, hi = lower, upper
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _phi(code, c, theta, mid, eps) > lam:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@njit(cache=True)
def _supply(code, c, thetas, lowers, uppers, weights, lam, eps, out):
    """Σ_k w_k x_k(λ); the x_k are written to ``out`` (shape (K,), modified in place)."""
    total = 0.0
    for k in range(thetas.shape[0]):
        out[k] = _agent_x(code, c, thetas[k], lowers[k], uppers[k], lam, eps)
        total += weights[k] * out[k]
    return total


@njit(cache=True)
def _allocate(code, c, thetas, lowers, uppers, weights, eps, a, capacity, out):
    """Fair allocation per agent class (thetas, lowers, uppers, weights: shape (K,)).

    Writes x_k into ``out``; returns a status: 0 ok, 1 infeasible (Σ w m > c).
    """
    n_low = 0.0
    n_up = 0.0
    for k in range(thetas.shape[0]):
        n_low += weights[k] * lowers[k]
        n_up += weights[k] * uppers[k]
    if n_low > capacity * (1.0 + 1e-12):
        return 1
    if a > 0.0:
        # Y = Σ x(2aY): G(Y) = Σ x(2aY) - Y is decreasing
        lo, hi = n_low, n_up
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:
                break
            if _supply(code, c, thetas, lowers, uppers, weights, 2.0 * a * mid, eps, out) > mid:
                lo = mid
            else:
                hi = mid
        y = 0.5 * (lo + hi)
        _supply(code, c, thetas, lowers, uppers, weights, 2.0 * a * y, eps, out)
        if y <= capacity:
            return 0
        lam_lo = 2.0 * a * capacity
    else:
        if _supply(code, c, thetas, lowers, uppers, weights, 0.0, eps, out) <= capacity:
            return 0
        lam_lo = 0.0
    # the capacity binds: Σ x(λ) = c with λ ≥ λ_lo
    lam_hi = lam_lo
    for k in range(thetas.shape[0]):
        lam_hi = max(lam_hi, _phi(code, c, thetas[k], lowers[k], eps))
    lo, hi = lam_lo, lam_hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _supply(code, c, thetas, lowers, uppers, weights, mid, eps, out) > capacity:
            lo = mid
        else:
            hi = mid
    _supply(code, c, thetas, lowers, uppers, weights, 0.5 * (lo + hi), eps, out)
    # remove the bisection residue so that Σ x = c to rounding (the capacity binds)
    s = 0.0
    free = 0.0
    for k in range(thetas.shape[0]):
        s += weights[k] * out[k]
        if out[k] > lowers[k]:
            free += weights[k]
    if free > 0.0:
        shift = (capacity - s) / free
        for k in range(thetas.shape[0]):
            if out[k] > lowers[k]:
                out[k] += shift
    return 0


# --------------------------------------------------------------------------- problem
def _check_epsilon(epsilon, name="epsilon") -> float:
    return check_number(name, epsilon, nonnegative=True)


@dataclass(frozen=True, eq=False)
class AllocationProblem:
    """A finite fair-allocation instance: valuation family, type sets, feasible set 𝒳 and cost.

    Parameters
    ----------
    valuation : Valuation
        The private valuation v(x_i; θ_i), the same family for every agent.
    type_sets : sequence of sequences of float
        Θ_i per agent. For binary sets the order is (θ^H, θ^L) by convention (index 0 = high).
    lower : float or sequence of float
        Must-run minimum m_i (x_i ≥ m_i); default 0.
    capacity : float or None
        Σ_i x_i ≤ capacity (None: no capacity).
    cost : float
        a in the supplier cost C(y) = a y² of (5.2)/(5.3); 0 for the general form (5.4).
    """
    valuation: Valuation
    type_sets: tuple
    lower: tuple = field(default=())
    capacity: Optional[float] = None
    cost: float = 0.0

    def __init__(self, valuation: Valuation, type_sets: Sequence, *, lower=0.0,
                 capacity: Optional[float] = None, cost: float = 0.0):
        if not isinstance(valuation, Valuation):
            raise TypeError(f"valuation: expected a Valuation, got {type(valuation).__name__}")
        try:
            sets = tuple(tuple(float(t) for t in ts) for ts in type_sets)
        except TypeError as exc:
            raise TypeError("type_sets: give one sequence of numbers per agent") from exc
        if len(sets) < 2:
            raise ValueError(f"type_sets: need at least two agents, got {len(sets)}")
        for i, ts in enumerate(sets):
            if len(ts) < 1 or len(set(ts)) != len(ts):
                raise ValueError(f"type_sets[{i}]: need distinct types, got {ts}")
            if not all(np.isfinite(t) and t > 0 for t in ts):
                raise ValueError(f"type_sets[{i}]: types must be positive and finite, got {ts}")
        n = len(sets)
        low = np.broadcast_to(np.asarray(lower, dtype=float), (n,)) if np.ndim(lower) == 0 else \
            np.asarray(lower, dtype=float)
        if low.shape != (n,) or not np.all(np.isfinite(low)) or np.any(low < 0):
            raise ValueError(f"lower: expected a number or {n} non-negative numbers, got {lower!r}")
        if capacity is not None:
            capacity = float(capacity)
            if not np.isfinite(capacity) or capacity <= 0 or low.sum() > capacity:
                raise ValueError(f"capacity: must be positive and at least Σ lower = {low.sum()}, "
                                 f"got {capacity!r}")
        cost = check_number("cost", cost, nonnegative=True)
        if capacity is None and cost == 0 and not all(
                np.isfinite(valuation.saturation(t)) for ts in sets for t in ts):
            raise ValueError("capacity: an unsaturating valuation needs a capacity or a cost")
        object.__setattr__(self, "valuation", valuation)
        object.__setattr__(self, "type_sets", sets)
        object.__setattr__(self, "lower", tuple(float(v) for v in low))
        object.__setattr__(self, "capacity", capacity)
        object.__setattr__(self, "cost", cost)

    @property
    def n_agents(self) -> int:
        return len(self.type_sets)

    @property
    def n_types(self) -> tuple:
        return tuple(len(ts) for ts in self.type_sets)

    def profiles(self):
        """All type-index profiles ψ ∈ Θ in C order (the order of :func:`allocation_table`)."""
        return itertools.product(*(range(k) for k in self.n_types))

    def types_of(self, profile) -> np.ndarray:
        """The type values θ of an index profile."""
        return np.array([self.type_sets[i][k] for i, k in enumerate(profile)])

    def value(self, x, theta):
        return self.valuation.value(x, theta)

    def supplier_cost(self, total) -> float:
        return self.cost * np.asarray(total, dtype=float) ** 2

    def objective(self, x, thetas, epsilon) -> float:
        """Σ_i g_ε(v(x_i; θ_i)) - C(Σ x) (5.3)/(5.4)."""
        x = np.asarray(x, dtype=float)
        return float(np.sum(fairness_transform(self.valuation.value(x, thetas), epsilon))
                     - self.cost * x.sum() ** 2)

    def __repr__(self):
        return (f"AllocationProblem({self.valuation!r}, N={self.n_agents}, n_types={self.n_types}, "
                f"capacity={self.capacity}, cost={self.cost})")


def _uppers(problem, thetas, lowers, eps):
    val = problem.valuation
    cap = np.inf if problem.capacity is None else problem.capacity
    ups = np.empty(len(thetas))
    for k, t in enumerate(thetas):
        u = min(val.saturation(t), cap)
        if val.code == _LINEAR and eps > 0:
            u = min(u, 1.0 / (2.0 * eps * t))         # v = 1/(2ε): φ = 0 there
        ups[k] = max(u, lowers[k])
    return ups


def _allocate_classes(problem, thetas, lowers, weights, eps):
    """Allocation per agent class (equal types and minima), by the compiled kernel."""
    thetas = np.ascontiguousarray(thetas, dtype=float)
    lowers = np.ascontiguousarray(lowers, dtype=float)
    weights = np.ascontiguousarray(weights, dtype=float)
    val = problem.valuation
    if val.code == _LINEAR and eps == 0.0:
        if problem.capacity is None or problem.cost > 0 or np.any(lowers > 0):
            raise NotImplementedError("linear valuations at ε = 0 are handled only with a capacity, "
                                      "no cost and zero minima (the optimum is not unique)")
        top = thetas == thetas[weights > 0].max()
        return np.where(top, problem.capacity / weights[top].sum(), 0.0)
    cap = np.inf if problem.capacity is None else problem.capacity
    out = np.empty(len(thetas))
    status = _allocate(val.code, float(val.parameter), thetas, lowers,
                       _uppers(problem, thetas, lowers, eps), weights, eps, problem.cost, cap, out)
    if status != 0:
        raise ValueError("lower: the minima exceed the capacity")
    return out


def _slsqp(problem, thetas, eps):
    val, n = problem.valuation, len(thetas)
    lowers = np.asarray(problem.lower)
    a = problem.cost

    def neg(x):
        v = val.value(x, thetas)
        return -(np.sum(v - eps * v * v) - a * x.sum() ** 2)

    def grad(x):
        v = val.value(x, thetas)
        return -((1 - 2 * eps * v) * val.marginal(x, thetas) - 2 * a * x.sum())

    cons = []
    if problem.capacity is not None:
        cons.append({"type": "ineq", "fun": lambda x: problem.capacity - x.sum(),
                     "jac": lambda x: -np.ones(n)})
    x0 = lowers + (0.1 if problem.capacity is None else (problem.capacity - lowers.sum()) / (2 * n))
    ub = [problem.capacity if problem.capacity is not None else val.saturation(t) for t in thetas]
    bounds = [(lo, None if not np.isfinite(u) else max(u, lo)) for lo, u in zip(lowers, ub)]
    res = optimize.minimize(neg, x0, jac=grad, bounds=bounds, constraints=cons, method="SLSQP",
                            options={"ftol": 1e-14, "maxiter": 1000})
    if not res.success:
        raise RuntimeError(f"fair_allocation(method='slsqp'): {res.message}")
    return res.x


ALLOCATION_METHODS = ("auto", "bisection", "slsqp")


def fair_allocation(problem: AllocationProblem, profile, epsilon: float, *,
                    method: str = "auto") -> np.ndarray:
    """x̂_ε(θ) of (5.4) (with the cost of (5.3)) at one profile.

    Parameters
    ----------
    problem : AllocationProblem
    profile : sequence of int, shape (N,)
        Type *indices* ψ_i into ``problem.type_sets[i]``.
    epsilon : float
        ε ≥ 0 of g_ε(z) = z - ε z².
    method : {"auto", "bisection", "slsqp"}
        "bisection" is the compiled multiplier bisection (built-in valuations); "slsqp" the
        generic scipy solver (any :class:`Valuation`); "auto" picks the first that applies.

    Returns
    -------
    ndarray, shape (N,)
    """
    if not isinstance(problem, AllocationProblem):
        raise TypeError(f"problem: expected an AllocationProblem, got {type(problem).__name__}")
    eps = _check_epsilon(epsilon)
    prof = tuple(int(k) for k in profile)
    if len(prof) != problem.n_agents or any(not 0 <= k < n for k, n in zip(prof, problem.n_types)):
        raise ValueError(f"profile: expected {problem.n_agents} type indices within {problem.n_types}, "
                         f"got {tuple(profile)}")
    check_choice("method", method, ALLOCATION_METHODS)
    thetas = problem.types_of(prof)
    if method == "auto":
        method = "slsqp" if problem.valuation.code == _CUSTOM else "bisection"
    if method == "slsqp":
        return _slsqp(problem, thetas, eps)
    if problem.valuation.code == _CUSTOM:
        raise ValueError("method: 'bisection' needs a built-in valuation; use 'slsqp'")
    return _allocate_classes(problem, thetas, np.asarray(problem.lower), np.ones(len(thetas)), eps)


def allocation_table(problem: AllocationProblem, epsilon: float, *, method: str = "auto") -> np.ndarray:
    """x̂_ε(ψ) for every profile ψ ∈ Θ: array of shape ``(L_1, ..., L_N, N)``."""
    out = np.empty(problem.n_types + (problem.n_agents,))
    for prof in problem.profiles():
        out[prof] = fair_allocation(problem, prof, epsilon, method=method)
    return out


def allocation_by_count(problem: AllocationProblem, epsilon: float):
    """(x_H(m), x_L(m)) for m = 0..N high types, for a symmetric binary instance.

    Every agent must have the same type set (θ^H, θ^L) and the same minimum. Entries that do
    not exist (x_H(0), x_L(N)) are NaN.

    Returns
    -------
    x_high, x_low : ndarray, shape (N + 1,)
    """
    eps = _check_epsilon(epsilon)
    n = problem.n_agents
    if len(set(problem.type_sets)) != 1 or problem.n_types[0] != 2:
        raise ValueError("problem: allocation_by_count needs identical binary type sets")
    if len(set(problem.lower)) != 1:
        raise ValueError("problem: allocation_by_count needs equal minima")
    th, tl = problem.type_sets[0]
    lo = problem.lower[0]
    xh = np.full(n + 1, np.nan)
    xl = np.full(n + 1, np.nan)
    for m in range(n + 1):
        w = np.array([m, n - m], dtype=float)
        x = _allocate_classes(problem, np.array([th, tl]), np.array([lo, lo]), w, eps)
        if m > 0:
            xh[m] = x[0]
        if m < n:
            xl[m] = x[1]
    return xh, xl


def linear_capacity_closed_form(n_agents: int, n_high: int, theta_high: float, theta_low: float,
                                epsilon: float):
    """(x_H, x_L) of the §6 problem (5.18) by the thesis's closed form (5.19).

    Corner regime x_H = 1/m, x_L = 0 for ε ≤ m(θ_H - θ_L)/(2θ_H²) (and at ε = 0, the thesis's
    choice among the maximisers); (5.19) beyond. m = 0 or m = N give 1/N to everyone.
    """
    n, m = int(n_agents), int(n_high)
    eps = _check_epsilon(epsilon)
    if not 0 <= m <= n:
        raise ValueError(f"n_high: must lie in [0, {n}], got {n_high}")
    if m == 0:
        return np.nan, 1.0 / n
    if m == n:
        return 1.0 / n, np.nan
    th, tl = float(theta_high), float(theta_low)
    if eps <= m * (th - tl) / (2 * th * th):
        return 1.0 / m, 0.0
    d = m * tl * tl + (n - m) * th * th
    xh = ((n - m) / (2 * eps) * (th - tl) + tl * tl) / d
    xl = (m / (2 * eps) * (tl - th) + th * th) / d
    return xh, xl


def smart_grid_problem(n_agents: int = 100, theta_high: float = 15.0, theta_low: float = 5.0,
                       cost: float = 0.3, must_run: float = 0.1) -> AllocationProblem:
    """The demand-side-management instance of §2.1 and §7 (defaults: Table 2)."""
    return AllocationProblem(SaturatingQuadraticValuation(0.5),
                             [(theta_high, theta_low)] * int(n_agents), lower=must_run, cost=cost)


def linear_capacity_problem(n_agents: int = 50, theta_high: float = 1.0,
                            theta_low: float = 0.75) -> AllocationProblem:
    """The analytical example of §6: v = θ x, Σ x ≤ 1 (defaults: Fig. 16)."""
    return AllocationProblem(LinearValuation(), [(theta_high, theta_low)] * int(n_agents),
                             capacity=1.0)

"""Equilibrium checks for the ch. 4 mechanisms, and the best-response Jacobian.

:func:`check_equilibrium` certifies a message profile as the equilibrium of Theorems 3.1, 3.4 and
4.3: it is a fixed point of the joint best response ``beta`` (4.17), its allocation is the
optimum ``x*`` (efficiency, full implementation (4.12)/(4.24)), the prices are the optimal duals
(``lambda*`` for private goods (4.5), ``mu_i*`` for the public good (4.7)), the taxes sum to zero
(budget balance (4.13), (4.18), (4.27)), every consistency penalty vanishes, and the outcome of
each agent depends only on its own and its neighbours' messages (Facts 3.2, 4.1; the price also
not on its own message). It also reports the individual-rationality slack
``u_i(m) - v_i(outside option)`` (outside option ``c/N`` for private goods, ``0`` for the public
good); this property is derived (concavity + KKT), not stated in the thesis.

:func:`best_response_jacobian` differentiates ``beta`` column by column; for quadratic utilities
``beta(m) = A m + b`` is affine and the differences are exact up to rounding, so the row-sum
norm ``||A||_inf`` (the contraction certificate of Appendix 7.6-7.7) and the spectral radius
``rho(A)`` (the actual speed of Cournot play) can be measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_positive
from ..results import MechanismResult
from .centralized import PrivateOptimum, PublicOptimum, solve_private, solve_public
from .public_goods import PublicGoodsMechanism
from .small_message import SmallMessageMechanism

__all__ = ["EquilibriumReport", "check_equilibrium", "locality_violations", "best_response_jacobian",
           "flat_profile", "solve_optimum"]


def _is_public(mechanism):
    return isinstance(mechanism, PublicGoodsMechanism)


def solve_optimum(mechanism, utilities):
    """The designer's optimum the mechanism implements: (4.6) for the public good, else (4.4)."""
    if _is_public(mechanism):
        return solve_public(utilities)
    return solve_private(utilities, mechanism.supply)


def flat_profile(mechanism, m) -> np.ndarray:
    """A profile of any of the three mechanisms as one flat float vector."""
    if isinstance(mechanism, SmallMessageMechanism):
        return mechanism.flatten(m)
    return mechanism.check_messages(m).reshape(-1)


def _unflat(mechanism, v):
    if isinstance(mechanism, SmallMessageMechanism):
        return np.asarray(v, dtype=np.float64)
    return np.asarray(v, dtype=np.float64).reshape(mechanism.message_shape)


def best_response_jacobian(mechanism, utilities, profile=None, *, step: float = 1.0) -> np.ndarray:
    """The Jacobian of the joint best response at ``profile`` (default: zero), by forward
    differences of size ``step`` on every message entry; shape (D, D) over the flat profile.
    Exact up to rounding for quadratic utilities (affine ``beta``)."""
    game = mechanism.game(utilities)
    if profile is None:
        v0 = np.zeros(mechanism.dimension if isinstance(mechanism, SmallMessageMechanism)
                      else int(np.prod(mechanism.message_shape)))
    else:
        v0 = flat_profile(mechanism, profile)
    check_positive("step", step)
    base = flat_profile(mechanism, game(_unflat(mechanism, v0)))
    jac = np.empty((v0.size, v0.size))
    for j in range(v0.size):
        v = v0.copy()
        v[j] += step
        jac[:, j] = (flat_profile(mechanism, game(_unflat(mechanism, v))) - base) / step
    return jac


def _perturb(mechanism, m, agents, rng, scale):
    """A copy of ``m`` with the messages of ``agents`` replaced by random values."""
    if isinstance(mechanism, SmallMessageMechanism):
        parts = [np.array(a, dtype=np.float64) for a in mechanism.split(mechanism.flatten(m))]
        for j in agents:
            parts[j] = parts[j] + scale * rng.standard_normal(parts[j].shape)
        return tuple(parts)
    a = np.array(mechanism.check_messages(m))
    a[list(agents)] += scale * rng.standard_normal(a[list(agents)].shape)
    return a.reshape(mechanism.message_shape)


def locality_violations(mechanism, m, *, seed=0, scale: float = 10.0) -> list:
    """Where distributedness fails at ``m`` (an empty list when it holds everywhere).

    For every agent ``i``: perturbing the messages of all agents outside ``{i} | N(i)`` must leave
    ``x_i``, ``t_i`` and ``p_i`` unchanged *bit for bit*, and perturbing ``m_i`` must leave ``p_i``
    unchanged (Facts 3.2 and 4.1; the price never depends on the agent's own message)."""
    rng = np.random.default_rng(seed)
    x0, p0, t0 = (np.asarray(a) for a in mechanism.outcome(m))
    out = []
    for i in range(mechanism.n_agents):
        outside = np.setdiff1d(np.arange(mechanism.n_agents), mechanism.dependencies(i))
        if outside.size:
            moved = _perturb(mechanism, m, outside, rng, scale)
            x1, p1, t1 = (np.asarray(a) for a in mechanism.outcome(moved))
            for name, a0, a1 in (("allocation", x0, x1), ("price", p0, p1), ("tax", t0, t1)):
                if not np.array_equal(a0[i], a1[i]):
                    out.append(f"agent {i}: {name} depends on non-neighbours")
        _, p1, _ = (np.asarray(a) for a in mechanism.outcome(_perturb(mechanism, m, [i], rng, scale)))
        if not np.array_equal(p0[i], p1[i]):
            out.append(f"agent {i}: price depends on its own message")
    return out


@dataclass(frozen=True, eq=False)
class EquilibriumReport:
    """Result of :func:`check_equilibrium`; residuals are relative where stated.

    Attributes
    ----------
    success : bool
        Every check within ``rtol`` (and no locality violation).
    message : str
        The failed checks, or "all equilibrium checks pass".
    best_response_residual : float
        ``||beta(m) - m||_inf / max(1, ||m||_inf)``.
    allocation_error : float
        ``max_i |x_i(m) - x_i*|`` (public: ``max_i |x_i(m) - x*|``).
    price_error : float
        ``max_i |p_i(m) - lambda*|`` (public: ``max_i |p_i(m) - mu_i*|``).
    budget_imbalance : float
        ``|sum_i t_i(m)| / max(1, sum_i |t_i(m)|)``.
    feasibility_residual : float
        Private: ``max_k |sum_i x_i^k(m) - c_k|``; public: spread ``max_i x_i - min_i x_i``.
    max_penalty : float
        Largest consistency penalty (quadratic tax terms) of any agent.
    locality : tuple of str
        :func:`locality_violations`.
    individual_rationality_slack : float
        ``min_i u_i(m) - v_i(outside option)``.
    """
    success: bool
    message: str
    best_response_residual: float
    allocation_error: float
    price_error: float
    budget_imbalance: float
    feasibility_residual: float
    max_penalty: float
    locality: tuple
    individual_rationality_slack: float
    method: str = "check_equilibrium"
    parameters: dict = field(default_factory=dict)
    allocation: np.ndarray | None = field(default=None, repr=False)
    welfare: float | None = None

    def as_result(self) -> MechanismResult:
        """The layer's common record. The joint best response is computed in closed form, so the
        fixed-point check is exact (method ``"exact"``); ``max_gain`` is the best-response
        residual (a payoff-gain bound is not computed)."""
        return MechanismResult(
            mechanism=self.parameters.get("mechanism", "ch4"), checked="Nash equilibrium "
            "implementing the optimum (best-response fixed point)", method="exact",
            success=self.success, message=self.message, max_gain=float(self.best_response_residual),
            budget_imbalance=float(self.budget_imbalance),
            individually_rational=bool(self.individual_rationality_slack >= -1e-9),
            allocation=self.allocation, welfare=self.welfare, details=self,
            parameters=self.parameters)


def check_equilibrium(mechanism, utilities, profile=None, optimum=None, *, rtol: float = 1e-9,
                      seed=0) -> EquilibriumReport:
    """Certify ``profile`` (default: the closed-form equilibrium from ``optimum``) as the efficient,
    budget-balanced equilibrium of ``mechanism`` for ``utilities``.

    Absolute errors are compared with ``rtol`` times the scale of the quantity
    (``max(1, |x*|)``, ``max(1, |prices|)``); see :class:`EquilibriumReport`.
    """
    if optimum is None:
        optimum = solve_optimum(mechanism, utilities)
    if _is_public(mechanism) != isinstance(optimum, PublicOptimum) or not isinstance(
            optimum, (PublicOptimum, PrivateOptimum)):
        wanted = "PublicOptimum" if _is_public(mechanism) else "PrivateOptimum"
        raise TypeError(f"optimum: expected a {wanted}; got {type(optimum).__name__}")
    m = mechanism.equilibrium_messages(optimum) if profile is None else profile
    game = mechanism.game(utilities)
    v = flat_profile(mechanism, m)
    br = flat_profile(mechanism, game(m))
    br_res = float(np.max(np.abs(br - v)) / max(1.0, np.max(np.abs(v))))
    x, p, t = (np.asarray(a, dtype=np.float64) for a in mechanism.outcome(m))
    n = mechanism.n_agents
    x2 = x.reshape(n, -1)
    p2 = p.reshape(n, -1)
    if _is_public(mechanism):
        alloc_err = float(np.max(np.abs(x2 - optimum.x[None, :])))
        price_err = float(np.max(np.abs(p2 - optimum.prices)))
        feas = float(np.max(x2.max(axis=0) - x2.min(axis=0)))
        outside = np.zeros(optimum.x.size)
        x_scale = max(1.0, float(np.max(np.abs(optimum.x))))
    else:
        alloc_err = float(np.max(np.abs(x2 - optimum.x)))
        price_err = float(np.max(np.abs(p2 - optimum.prices[None, :])))
        supply = np.atleast_1d(mechanism.supply)
        feas = float(np.max(np.abs(x2.sum(axis=0) - supply)))
        outside = supply / n
        x_scale = max(1.0, float(np.max(np.abs(optimum.x))))
    p_scale = max(1.0, float(np.max(np.abs(optimum.prices))))
    budget = float(abs(t.sum()) / max(1.0, np.abs(t).sum()))
    pen = float(np.max(mechanism.penalties(m)))
    loc = tuple(locality_violations(mechanism, m, seed=seed))
    u = np.asarray(game.payoffs(m))
    ir = float(np.min(u - np.array([uu.value(outside) for uu in game.utilities])))
    failed = []
    if br_res > rtol:
        failed.append(f"best-response residual {br_res:.3g}")
    if alloc_err > rtol * x_scale:
        failed.append(f"allocation error {alloc_err:.3g}")
    if price_err > rtol * p_scale:
        failed.append(f"price error {price_err:.3g}")
    if budget > rtol:
        failed.append(f"budget imbalance {budget:.3g}")
    if feas > rtol * n * x_scale:
        failed.append(f"feasibility residual {feas:.3g}")
    if pen > (rtol * max(1.0, np.max(np.abs(v)))) ** 2:
        failed.append(f"penalty {pen:.3g}")
    if loc:
        failed.append(f"{len(loc)} locality violations")
    ok = not failed
    return EquilibriumReport(
        success=ok, message="all equilibrium checks pass" if ok else "; ".join(failed),
        best_response_residual=br_res, allocation_error=alloc_err, price_error=price_err,
        budget_imbalance=budget, feasibility_residual=feas, max_penalty=pen, locality=loc,
        individual_rationality_slack=ir,
        allocation=x2[:, 0].copy() if x2.shape[1] == 1 else x2.copy(),
        welfare=float(sum(float(uu.value(xi)) for uu, xi in zip(game.utilities, x2))),
        parameters={"rtol": float(rtol), "seed": seed, "mechanism": repr(mechanism)})

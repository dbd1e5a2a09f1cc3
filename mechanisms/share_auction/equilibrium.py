"""Complete information: best responses, the Nash equilibrium and the social optimum (seed 001 §2).

Best response of agent ``i`` to the others' bid total ``y = S_{-i} > 0``:
``max_{s >= 0} V_i(C s / (s + y)) - s``. The objective is concave in ``s`` and its derivative
``V_i'(x) C y / (s + y)^2 - 1`` decreases, so the maximiser is unique: 0 if ``V_i'(0) C / y <= 1``,
otherwise the root of the derivative. For ``V = a ln(1 + b x)`` the root solves the quadratic
``(1 + bC) s^2 + y (2 + bC) s + y (y - abC) = 0`` (the notes' ``2s^2 + 3s - 1 = 0`` for
``a = 2, b = C = y = 1``).

Nash equilibrium (Maheswaran & Başar 2003; the seed's Theorem 1). With the unit price
``θ = S / C`` and ``x_i = s_i / θ`` the first-order condition reads ``V_i'(x_i) (1 - x_i / C) = θ``.
The demand ``d_i(θ)`` is its root in ``[0, C]`` (0 when ``θ >= V_i'(0)``); for the log family
``d_i(θ) = max(0, C (a b - θ) / (b (a + θ C)))``. ``D(θ) = Σ_i d_i(θ)`` decreases continuously from
``D(0) = n C`` to 0 at ``θ_max = max_i V_i'(0)``, so for ``n >= 2`` there is a unique ``θ*`` with
``D(θ*) = C``; the equilibrium is ``x* = d(θ*)``, ``s* = θ* x*``.

Social optimum (the seed's Definition 1): ``max Σ_i V_i(x_i)`` s.t. ``Σ x = C``, ``x >= 0``, i.e.
``V_i'(x_i) = λ`` where ``x_i > 0`` and ``V_i'(0) <= λ`` elsewhere. At the equilibrium
``Σ V(x*) >= ¾ max Σ V`` when ``V_i(0) >= 0`` (Johari & Tsitsiklis 2004).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_number
from .._levels import monotone_root
from ..results import MechanismResult
from .allocation import check_capacity, proportional_share
from .valuations import LogValuation, Valuation, check_valuation, check_valuations

__all__ = ["demand", "best_response", "nash_equilibrium", "social_optimum", "ShareAuctionEquilibrium",
           "SocialOptimum", "first_order_residual"]


def demand(valuation: Valuation, theta, capacity) -> float:
    """``d(θ)``: the ``d ∈ [0, C]`` with ``V'(d) (1 - d / C) = θ`` (0 when ``θ >= V'(0)``)."""
    v = check_valuation(valuation)
    C = check_capacity(capacity)
    theta = check_number("theta", theta, nonnegative=True)
    if theta == 0:
        return C
    if theta >= v.marginal_at_zero:
        return 0.0
    if isinstance(v, LogValuation):
        a, b = v.a, v.b
        return float(min(C, max(0.0, C * (a * b - theta) / (b * (a + theta * C)))))

    def h(d):
        return float(v.derivative(d)) * (1.0 - d / C) - theta
    lo = C * 1e-300 if not np.isfinite(v.marginal_at_zero) else 0.0
    return monotone_root(h, lo, C, xtol=1e-300)


def best_response(valuation: Valuation, others_sum, capacity) -> float:
    """The unique maximiser of ``V(C s / (s + y)) - s`` over ``s >= 0`` for ``y = others_sum > 0``.

    Raises ``ValueError`` for ``y <= 0``: with no competing bid every positive bid wins the whole
    resource, the supremum is approached as ``s -> 0`` and no best response exists.
    """
    v = check_valuation(valuation)
    C = check_capacity(capacity)
    y = float(others_sum)
    if not np.isfinite(y) or y <= 0:
        raise ValueError(f"others_sum: expected a finite number > 0 (with no competing bid there is no "
                         f"best response); got {others_sum!r}")
    if v.marginal_at_zero * C / y <= 1.0:
        return 0.0
    if isinstance(v, LogValuation):
        a, b = v.a, v.b
        q2, q1, q0 = 1.0 + b * C, y * (2.0 + b * C), y * (y - a * b * C)
        # the positive root, written to avoid cancellation (q0 < 0 here)
        return float(-2.0 * q0 / (q1 + np.sqrt(q1 * q1 - 4.0 * q2 * q0)))

    def slope(s):
        return float(v.derivative(C * s / (s + y))) * C * y / (s + y) ** 2 - 1.0
    hi = float(v.value(C) - v.value(0.0))
    return monotone_root(slope, 1e-300, hi, xtol=1e-300)


def first_order_residual(valuations, bids, capacity) -> float:
    """Largest violation of ``V_i'(x_i)(1 - x_i / C) = θ`` (bidders) and ``V_i'(0) <= θ``
    (non-bidders) at the bid profile, relative to ``θ = Σ s / C``."""
    vals = check_valuations(valuations)
    s = np.asarray(bids, dtype=float)
    C = check_capacity(capacity)
    theta = s.sum() / C
    x = proportional_share(s, C)
    worst = 0.0
    for v, xi, si in zip(vals, x, s):
        if si > 0:
            worst = max(worst, abs(float(v.derivative(xi)) * (1 - xi / C) - theta))
        else:
            worst = max(worst, max(0.0, v.marginal_at_zero - theta))
    return float(worst / theta)


@dataclass(frozen=True, eq=False)
class ShareAuctionEquilibrium:
    """Result of :func:`nash_equilibrium`.

    Attributes
    ----------
    theta : float
        ``θ* = Σ s* / C``, the unit price.
    bids, allocation, utilities : ndarray (n,)
        ``s*``, ``x* = d(θ*)``, ``U_i = V_i(x*_i) - s*_i``.
    total_utility : float
        ``Σ U_i`` (bids counted as costs).
    welfare : float
        ``Σ V_i(x*_i)``.
    first_order_residual : float
        :func:`first_order_residual` (relative to ``θ*``).
    best_response_gap : float
        ``max_i |s*_i - BR_i(S*_{-i})| / (1 + s*_i)``.
    success, status, message, method, parameters
    """
    theta: float
    bids: np.ndarray = field(repr=False)
    allocation: np.ndarray = field(repr=False)
    utilities: np.ndarray = field(repr=False)
    total_utility: float
    welfare: float
    first_order_residual: float
    best_response_gap: float
    success: bool
    status: int
    message: str
    method: str = "brentq on D(theta) = C"
    parameters: dict = field(default_factory=dict)

    def as_result(self) -> MechanismResult:
        """The layer's common record: the equilibrium is the root of ``D(θ) = C`` and every bid is
        checked against the agent's exact best response (a fixed point computed exactly, method
        ``"exact"``); ``max_gain`` is the best-response gap (a bid residual, not a payoff gain);
        ``welfare`` is ``Σ V_i(x*_i)``; no taxes (``budget_imbalance`` None); IR holds when every
        ``U_i >= 0`` (an agent can always bid 0)."""
        return MechanismResult(
            mechanism="seed001-share-auction", checked="Nash equilibrium (best-response fixed point)",
            method="exact", success=self.success, message=self.message,
            max_gain=float(self.best_response_gap),
            individually_rational=bool(np.all(self.utilities >= -1e-12)),
            allocation=self.allocation, welfare=float(self.welfare), details=self,
            parameters=self.parameters)


def nash_equilibrium(valuations, capacity, *, tol: float = 1e-9) -> ShareAuctionEquilibrium:
    """The unique complete-information Nash equilibrium (``n >= 2``); see the module docstring.

    ``success`` is True when the first-order residual and the best-response gap are below ``tol``.
    """
    vals = check_valuations(valuations)
    if len(vals) < 2:
        raise ValueError("valuations: the equilibrium needs n >= 2 agents (a lone bidder's best "
                         "response tends to s -> 0 and does not exist)")
    C = check_capacity(capacity)
    theta_max = max(v.marginal_at_zero for v in vals)

    def excess(theta):
        return sum(demand(v, theta, C) for v in vals) - C

    hi = theta_max if np.isfinite(theta_max) else 1.0
    theta = monotone_root(excess, 0.0, hi, grow=not np.isfinite(theta_max), xtol=1e-15,
                          xtol_per_hi=True)
    x = np.array([demand(v, theta, C) for v in vals])
    s = theta * x
    U = np.array([float(v.value(xi)) for v, xi in zip(vals, x)]) - s
    foc = first_order_residual(vals, s, C)
    S = s.sum()
    gap = max(abs(si - best_response(v, S - si, C)) / (1 + si) for v, si in zip(vals, s))
    ok = foc <= tol and gap <= tol
    for a in (s, x, U):
        a.setflags(write=False)
    return ShareAuctionEquilibrium(
        theta=theta, bids=s, allocation=x, utilities=U, total_utility=float(U.sum()),
        welfare=float(sum(float(v.value(xi)) for v, xi in zip(vals, x))),
        first_order_residual=foc, best_response_gap=float(gap), success=bool(ok), status=0 if ok else 1,
        message=("equilibrium: first-order residual %.1e, best-response gap %.1e" % (foc, gap)) if ok else
        ("residuals above tol = %.0e: first-order %.1e, best-response gap %.1e" % (tol, foc, gap)),
        parameters={"capacity": C, "tol": tol, "n": len(vals)})


@dataclass(frozen=True, eq=False)
class SocialOptimum:
    """Result of :func:`social_optimum`: ``allocation``, ``multiplier`` λ, ``welfare`` ``Σ V``,
    ``kkt_residual`` (relative to λ), success/status/message/method/parameters."""
    allocation: np.ndarray = field(repr=False)
    multiplier: float
    welfare: float
    kkt_residual: float
    success: bool
    status: int
    message: str
    method: str = "brentq on the water level"
    parameters: dict = field(default_factory=dict)


def social_optimum(valuations, capacity, *, tol: float = 1e-9) -> SocialOptimum:
    """``max Σ_i V_i(x_i)`` s.t. ``Σ x = C``, ``x >= 0`` (the seed's Definition 1), by water-filling
    on the marginal values: ``x_i(λ) = (V_i')^{-1}(λ)`` (0 where ``λ >= V_i'(0)``) with
    ``Σ x_i(λ) = C`` (strictly decreasing in λ while positive, so λ is unique)."""
    vals = check_valuations(valuations)
    C = check_capacity(capacity)

    def share(lam):
        return np.array([float(v.inverse_derivative(lam)) for v in vals])

    hi = max(v.marginal_at_zero for v in vals)
    if not np.isfinite(hi):
        hi = 1.0
    lo = min(float(v.derivative(C)) for v in vals) * 0.5
    lam = monotone_root(lambda t: share(t).sum() - C, lo, hi, grow=True, xtol=1e-15,
                        xtol_per_hi=True)
    x = share(lam)
    x *= C / x.sum()
    grad = np.array([float(v.derivative(xi)) for v, xi in zip(vals, x)])
    active = x > 0
    kkt = max(float(np.max(np.abs(grad[active] - lam), initial=0.0)),
              float(np.max(np.maximum(grad[~active] - lam, 0.0), initial=0.0))) / lam
    x.setflags(write=False)
    ok = kkt <= tol
    return SocialOptimum(allocation=x, multiplier=lam,
                         welfare=float(sum(float(v.value(xi)) for v, xi in zip(vals, x))),
                         kkt_residual=kkt, success=ok, status=0 if ok else 1,
                         message=("optimum: KKT residual %.1e" % kkt) if ok else
                         ("KKT residual %.1e above tol" % kkt), parameters={"capacity": C, "tol": tol})

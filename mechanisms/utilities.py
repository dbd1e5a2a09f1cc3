"""Agents' valuations ``v_i``, one module for every mechanism of the layer.

One good (thesis ch. 1-3): ``value``, ``derivative`` and ``second_derivative``, vectorised over
``x``. Ch. 1-2 need ``v_i`` strictly increasing and strictly concave with ``v_i'(0) < inf``
(A1/A2); ch. 3 drops monotonicity.

A bundle ``x`` of ``dim`` goods (thesis ch. 4, private goods §2.1 or the ``P`` features of the
public good §2.2): ``value`` (a float), ``gradient``, ``hessian``, ``inverse_gradient`` (the unique
``x`` with ``grad v(x) = p``) and ``satisfies_curvature(eta)``, the model's assumption (4.1) on
the inverse Hessian ``H^{-1}``, for some ``eta > 1`` and every good ``k``,

    -eta < H^{-1}_kk + sum_{l != k} |H^{-1}_kl| < 0          (4.1a)
    H^{-1}_kk < -1/eta                                       (4.1b)

which reduces for ``K = 1`` to ``v'' in (-eta, -1/eta)`` (4.2).

:class:`QuadraticUtility` speaks both: ``x' Theta x + sigma' x`` on ``K`` goods (ch. 4's form,
§5.2) or ``-curvature/2 (x - peak)^2`` on one good (ch. 3's form). All classes are frozen
dataclasses (picklable).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy.optimize import brentq
from ._arrays import check_positive

__all__ = ["Utility", "LogUtility", "AlphaFairUtility", "ExponentialUtility", "QuadraticUtility",
           "LogLinearUtility", "CustomUtility", "LogCoshUtility", "random_quadratic_utilities",
           "check_utilities", "ONE_GOOD", "BUNDLE"]

ONE_GOOD = ("value", "derivative", "second_derivative")
"""The methods the mechanisms of ch. 1-3 call."""
BUNDLE = ("value", "gradient", "hessian", "inverse_gradient", "satisfies_curvature")
"""The methods the mechanisms of ch. 4 call."""


class Utility:
    """Base class: one good (:data:`ONE_GOOD`) or a bundle of ``dim`` goods (:data:`BUNDLE`)."""
    increasing: bool = True
    dim: int = 1

    def __call__(self, x):
        return self.value(x)


@dataclass(frozen=True)
class LogUtility(Utility):
    """``v(x) = weight * ln(1 + x)``."""
    weight: float

    def __post_init__(self):
        object.__setattr__(self, "weight", check_positive("LogUtility: weight", self.weight))

    def value(self, x):
        return self.weight * np.log1p(x)

    def derivative(self, x):
        return self.weight / (1.0 + np.asarray(x, dtype=float))

    def second_derivative(self, x):
        return -self.weight / (1.0 + np.asarray(x, dtype=float)) ** 2


@dataclass(frozen=True)
class AlphaFairUtility(Utility):
    """Shifted alpha-fair utility ``weight * ((1 + x)^(1 - alpha) - 1) / (1 - alpha)``
    (``weight * ln(1 + x)`` at ``alpha = 1``); the shift keeps ``v'(0) = weight`` finite (A2)."""
    weight: float
    alpha: float

    def __post_init__(self):
        object.__setattr__(self, "weight", check_positive("AlphaFairUtility: weight", self.weight))
        object.__setattr__(self, "alpha", check_positive("AlphaFairUtility: alpha", self.alpha))

    def value(self, x):
        z = 1.0 + np.asarray(x, dtype=float)
        if self.alpha == 1.0:
            return self.weight * np.log(z)
        return self.weight * (z ** (1 - self.alpha) - 1) / (1 - self.alpha)

    def derivative(self, x):
        return self.weight * (1.0 + np.asarray(x, dtype=float)) ** (-self.alpha)

    def second_derivative(self, x):
        return -self.alpha * self.weight * (1.0 + np.asarray(x, dtype=float)) ** (-self.alpha - 1)


@dataclass(frozen=True)
class ExponentialUtility(Utility):
    """``v(x) = weight * (1 - exp(-rate * x))``."""
    weight: float
    rate: float

    def __post_init__(self):
        object.__setattr__(self, "weight",
                           check_positive("ExponentialUtility: weight", self.weight))
        object.__setattr__(self, "rate", check_positive("ExponentialUtility: rate", self.rate))

    def value(self, x):
        return self.weight * -np.expm1(-self.rate * np.asarray(x, dtype=float))

    def derivative(self, x):
        return self.weight * self.rate * np.exp(-self.rate * np.asarray(x, dtype=float))

    def second_derivative(self, x):
        return -self.weight * self.rate ** 2 * np.exp(-self.rate * np.asarray(x, dtype=float))


def _inverse_hessian_condition(h_inv, eta):
    """(4.1a)-(4.1b) for one inverse Hessian."""
    h_inv = np.atleast_2d(h_inv)
    diag = np.diag(h_inv)
    row = diag + np.abs(h_inv).sum(axis=1) - np.abs(diag)
    return bool(np.all(row > -eta) and np.all(row < 0) and np.all(diag < -1.0 / eta))


@dataclass(frozen=True, eq=False, init=False)
class QuadraticUtility(Utility):
    """A strictly concave quadratic, not monotone (ch. 3-4 only), in one of two forms:

    * ``QuadraticUtility(theta, sigma)``: ``v(x) = x' Theta x + sigma' x`` on ``K`` goods, ``Theta``
      symmetric negative definite (``theta < 0`` for one good: ``v'' = 2 theta``);
    * ``QuadraticUtility(peak=p, curvature=a)``: ``v(x) = -a/2 (x - p)^2`` on one good, that is
      ``theta = -a/2``, ``sigma = a p`` and the constant ``offset = -a p^2 / 2``.

    Each form is evaluated as written (so each reproduction keeps its numbers); ``offset`` is 0
    in the first. The one-good methods are elementwise; a one-element bundle gives a float.
    """
    theta: np.ndarray
    sigma: np.ndarray
    peak: Optional[float]
    curvature: Optional[float]
    increasing = False

    def __init__(self, theta=None, sigma=None, *, peak=None, curvature=None):
        if peak is not None:
            if theta is not None or sigma is not None:
                raise ValueError("QuadraticUtility: give theta and sigma, or peak and curvature")
            curvature = check_positive("QuadraticUtility: curvature",
                                       1.0 if curvature is None else curvature)
            peak = float(peak)
            theta, sigma = -0.5 * curvature, curvature * peak
        elif theta is None or sigma is None or curvature is not None:
            raise ValueError("QuadraticUtility: give theta and sigma, or peak and curvature")
        th = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        sg = np.atleast_1d(np.asarray(sigma, dtype=np.float64)).ravel()
        if th.shape[0] != th.shape[1] or th.shape[0] != sg.size:
            raise ValueError(f"theta: expected a scalar or a ({sg.size}, {sg.size}) matrix matching "
                             f"sigma; got shape {th.shape}")
        if not (np.all(np.isfinite(th)) and np.all(np.isfinite(sg))):
            raise ValueError("theta, sigma: expected finite numbers")
        if not np.allclose(th, th.T):
            raise ValueError("theta: expected a symmetric matrix")
        if np.max(np.linalg.eigvalsh(th)) >= 0:
            raise ValueError(f"theta: expected negative definite (strictly concave v); got eigenvalues "
                             f"{np.linalg.eigvalsh(th)}")
        th.setflags(write=False)
        sg.setflags(write=False)
        for name, value in (("theta", th), ("sigma", sg), ("peak", peak), ("curvature", curvature)):
            object.__setattr__(self, name, value)

    @property
    def dim(self) -> int:
        return self.sigma.size

    @property
    def offset(self) -> float:
        return 0.0 if self.peak is None else -0.5 * self.curvature * self.peak ** 2

    def _bundle(self, x):
        return np.asarray(x, dtype=np.float64).reshape(self.dim)

    def value(self, x):
        if self.peak is None:
            x = self._bundle(x)
            return float(x @ self.theta @ x + self.sigma @ x)
        v = -0.5 * self.curvature * (np.asarray(x, dtype=float) - self.peak) ** 2
        return float(v[0]) if v.shape == (1,) else v

    def derivative(self, x):
        if self.peak is None:
            return 2.0 * self.theta[0, 0] * np.asarray(x, dtype=float) + self.sigma[0]
        return -self.curvature * (np.asarray(x, dtype=float) - self.peak)

    def second_derivative(self, x):
        return 2.0 * self.theta[0, 0] * np.ones_like(np.asarray(x, dtype=float))

    def gradient(self, x):
        if self.peak is None:
            return 2.0 * self.theta @ self._bundle(x) + self.sigma
        return self.derivative(self._bundle(x))

    def hessian(self, x=None):
        return 2.0 * self.theta

    def inverse_gradient(self, p):
        return np.linalg.solve(2.0 * self.theta, self._bundle(p) - self.sigma)

    def satisfies_curvature(self, eta: float) -> bool:
        return _inverse_hessian_condition(np.linalg.inv(2.0 * self.theta), eta)


@dataclass(frozen=True)
class LogLinearUtility(Utility):
    """``v(x) = weight * ln(1 + x) - cost * x`` (not monotone when ``cost > 0``: ch. 3 only)."""
    weight: float
    cost: float
    increasing = False

    def __post_init__(self):
        object.__setattr__(self, "weight", check_positive("LogLinearUtility: weight", self.weight))
        if not np.isfinite(self.cost) or self.cost < 0:
            raise ValueError(f"LogLinearUtility: cost must be finite and >= 0; got {self.cost}")
        object.__setattr__(self, "cost", float(self.cost))

    def value(self, x):
        x = np.asarray(x, dtype=float)
        return self.weight * np.log1p(x) - self.cost * x

    def derivative(self, x):
        return self.weight / (1.0 + np.asarray(x, dtype=float)) - self.cost

    def second_derivative(self, x):
        return -self.weight / (1.0 + np.asarray(x, dtype=float)) ** 2


@dataclass(frozen=True)
class CustomUtility(Utility):
    """User-supplied valuation: three vectorised callables (use module-level functions to stay
    picklable). ``increasing`` declares whether ``v`` is strictly increasing (needed in ch. 1-2)."""
    value_function: Callable
    derivative_function: Callable
    second_derivative_function: Callable
    increasing: bool = True

    def __post_init__(self):
        for name in ("value_function", "derivative_function", "second_derivative_function"):
            if not callable(getattr(self, name)):
                raise TypeError(f"CustomUtility: {name} must be callable")

    def value(self, x):
        return self.value_function(x)

    def derivative(self, x):
        return self.derivative_function(x)

    def second_derivative(self, x):
        return self.second_derivative_function(x)


@dataclass(frozen=True, eq=False)
class LogCoshUtility(Utility):
    """``v(x) = -alpha x^2/2 - gamma log cosh(x) + sigma x`` for one good; ``v'' = -alpha - gamma
    sech^2(x)`` lies in ``[-alpha - gamma, -alpha]``, so (4.2) holds when ``alpha > 1/eta`` and
    ``alpha + gamma < eta``."""
    alpha: float
    gamma: float
    sigma: float

    def __post_init__(self):
        for name in ("alpha", "gamma", "sigma"):
            v = getattr(self, name)
            if not np.isfinite(v):
                raise ValueError(f"{name}: expected a finite number; got {v!r}")
        if not self.alpha > 0:
            raise ValueError(f"alpha: expected > 0; got {self.alpha!r}")
        if not self.gamma >= 0:
            raise ValueError(f"gamma: expected >= 0; got {self.gamma!r}")

    dim = 1

    def value(self, x):
        x = float(np.asarray(x).reshape(-1)[0])
        # log cosh x = |x| + log1p(exp(-2|x|)) - log 2 (no overflow)
        lc = abs(x) + np.log1p(np.exp(-2 * abs(x))) - np.log(2.0)
        return float(-0.5 * self.alpha * x * x - self.gamma * lc + self.sigma * x)

    def gradient(self, x):
        x = float(np.asarray(x).reshape(-1)[0])
        return np.array([-self.alpha * x - self.gamma * np.tanh(x) + self.sigma])

    def hessian(self, x):
        x = float(np.asarray(x).reshape(-1)[0])
        return np.array([[-self.alpha - self.gamma / np.cosh(x) ** 2]])

    def inverse_gradient(self, p):
        p = float(np.asarray(p).reshape(-1)[0])
        # v' is decreasing with slope <= -alpha: the root is within |v'(x0) - p| / alpha of x0
        x0 = (self.sigma - p) / self.alpha
        g0 = self.gradient(x0)[0] - p
        if g0 == 0:
            return np.array([x0])
        width = abs(g0) / self.alpha * 1.01 + 1e-12
        root = brentq(lambda x: self.gradient(x)[0] - p, x0 - width, x0 + width, xtol=1e-14, rtol=1e-15)
        return np.array([root])

    def satisfies_curvature(self, eta: float) -> bool:
        return bool(self.alpha > 1.0 / eta and self.alpha + self.gamma < eta)


def random_quadratic_utilities(n_agents: int, eta: float, seed=None, *, sigma_range=(10.0, 20.0)):
    """The §5.2 draw: ``theta_i ~ U(-eta/2, -1/(2 eta))`` then ``sigma_i ~ U(sigma_range)`` (one
    good), from one ``numpy.random.default_rng(seed)`` stream (a Generator is advanced)."""
    if not (np.isfinite(eta) and eta > 1):
        raise ValueError(f"eta: expected a number > 1; got {eta!r}")
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-eta / 2, -1 / (2 * eta), n_agents)
    sigma = rng.uniform(sigma_range[0], sigma_range[1], n_agents)
    return tuple(QuadraticUtility(t, s) for t, s in zip(theta, sigma))


def check_utilities(utilities, n_agents: Optional[int], dim: Optional[int] = None, *,
                    methods=ONE_GOOD, require_increasing: bool = False) -> tuple:
    """Validate ``n_agents`` utilities (``None``: at least one), one per agent, with the
    ``methods`` the caller uses (:data:`ONE_GOOD` or :data:`BUNDLE`), equal ``dim`` and strictly
    increasing when ``require_increasing`` (ch. 1-2, A1); return them as a tuple."""
    utilities = tuple(utilities)
    if n_agents is None and not utilities:
        raise ValueError("utilities: expected at least one utility")
    if n_agents is not None and len(utilities) != n_agents:
        raise ValueError(f"utilities: expected {n_agents} utilities (one per agent); got {len(utilities)}")
    for i, u in enumerate(utilities):
        if not all(hasattr(u, a) for a in methods):
            raise TypeError(f"utilities[{i}]: expected a Utility with {'/'.join(methods)}; got {u!r}")
        if require_increasing and not getattr(u, "increasing", True):
            raise ValueError(f"utilities[{i}]: ch. 1-2 need strictly increasing valuations (A1); got {u!r}")
    dims = {getattr(u, "dim", 1) for u in utilities}
    if len(dims) > 1:
        raise ValueError(f"utilities: all agents must have the same number of goods; got dims {sorted(dims)}")
    if dim is not None and dims != {dim}:
        raise ValueError(f"utilities: expected dimension {dim}; got {dims.pop()}")
    return utilities

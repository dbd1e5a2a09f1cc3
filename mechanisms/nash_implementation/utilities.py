"""Valuation functions ``v_i`` with value, first and second derivative (assumption A1/A2).

Ch. 1-2 need ``v_i`` strictly increasing and strictly concave with ``v_i'(0) < inf``; ch. 3 drops
monotonicity. All classes are frozen dataclasses (picklable) and vectorised over ``x``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Utility", "LogUtility", "AlphaFairUtility", "ExponentialUtility", "QuadraticUtility",
           "LogLinearUtility", "CustomUtility", "check_utilities"]


class Utility:
    """Base class: subclasses define ``value``, ``derivative``, ``second_derivative``."""
    increasing: bool = True

    def __call__(self, x):
        return self.value(x)


def _positive(name, value):
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0; got {value}")
    return value


@dataclass(frozen=True)
class LogUtility(Utility):
    """``v(x) = weight * ln(1 + x)``."""
    weight: float

    def __post_init__(self):
        object.__setattr__(self, "weight", _positive("LogUtility: weight", self.weight))

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
        object.__setattr__(self, "weight", _positive("AlphaFairUtility: weight", self.weight))
        object.__setattr__(self, "alpha", _positive("AlphaFairUtility: alpha", self.alpha))

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
        object.__setattr__(self, "weight", _positive("ExponentialUtility: weight", self.weight))
        object.__setattr__(self, "rate", _positive("ExponentialUtility: rate", self.rate))

    def value(self, x):
        return self.weight * -np.expm1(-self.rate * np.asarray(x, dtype=float))

    def derivative(self, x):
        return self.weight * self.rate * np.exp(-self.rate * np.asarray(x, dtype=float))

    def second_derivative(self, x):
        return -self.weight * self.rate ** 2 * np.exp(-self.rate * np.asarray(x, dtype=float))


@dataclass(frozen=True)
class QuadraticUtility(Utility):
    """``v(x) = -curvature / 2 * (x - peak)^2`` (not monotone: ch. 3 only)."""
    peak: float
    curvature: float = 1.0
    increasing = False

    def __post_init__(self):
        object.__setattr__(self, "curvature", _positive("QuadraticUtility: curvature", self.curvature))
        object.__setattr__(self, "peak", float(self.peak))

    def value(self, x):
        return -0.5 * self.curvature * (np.asarray(x, dtype=float) - self.peak) ** 2

    def derivative(self, x):
        return -self.curvature * (np.asarray(x, dtype=float) - self.peak)

    def second_derivative(self, x):
        return -self.curvature * np.ones_like(np.asarray(x, dtype=float))


@dataclass(frozen=True)
class LogLinearUtility(Utility):
    """``v(x) = weight * ln(1 + x) - cost * x`` (not monotone when ``cost > 0``: ch. 3 only)."""
    weight: float
    cost: float
    increasing = False

    def __post_init__(self):
        object.__setattr__(self, "weight", _positive("LogLinearUtility: weight", self.weight))
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


def check_utilities(utilities, n_agents, *, require_increasing=True):
    """Validate a sequence of ``n_agents`` :class:`Utility` objects; return it as a tuple."""
    utilities = tuple(utilities)
    if len(utilities) != n_agents:
        raise ValueError(f"utilities: expected {n_agents} utilities (one per agent); got {len(utilities)}")
    for i, u in enumerate(utilities):
        if not all(hasattr(u, a) for a in ("value", "derivative", "second_derivative")):
            raise TypeError(f"utilities[{i}]: expected a Utility with value/derivative/second_derivative; got {u!r}")
        if require_increasing and not getattr(u, "increasing", True):
            raise ValueError(f"utilities[{i}]: ch. 1-2 need strictly increasing valuations (A1); got {u!r}")
    return utilities

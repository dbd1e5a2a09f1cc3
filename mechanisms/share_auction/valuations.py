"""Valuations ``V_i : [0, C] -> R`` of the proportional-share auction (seed 001 §2).

The seed assumes ``V_i`` concave, strictly increasing and continuously differentiable. Two
families, both strictly concave, are provided as frozen records (picklable, vectorised over x):

* :class:`LogValuation` ``V(x) = a ln(1 + b x)``, ``V'(0) = a b`` finite (the notes' protocol,
  §3: ``a ~ U[1, 10]``, ``b = 10``);
* :class:`PowerValuation` ``V(x) = a x^p`` with ``0 < p < 1``, ``V'(0) = inf`` (every agent is
  active at every price).

Compiled kernels see a valuation as ``(kind, a, b)`` with :data:`KIND_LOG` / :data:`KIND_POWER`
(``b`` is the exponent ``p`` for the power family); :func:`valuation_arrays` builds them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from .._arrays import check_positive

__all__ = ["Valuation", "LogValuation", "PowerValuation", "check_valuation", "check_valuations",
           "valuation_arrays", "KIND_LOG", "KIND_POWER"]

KIND_LOG = 0
KIND_POWER = 1


class Valuation:
    """Base class: ``value``, ``derivative``, ``second_derivative``, ``inverse_derivative``."""
    kind: int = -1

    def __call__(self, x):
        return self.value(x)

    @property
    def parameters(self) -> tuple:
        raise NotImplementedError

    @property
    def marginal_at_zero(self) -> float:
        """``V'(0)`` (``inf`` for the power family)."""
        return float(self.derivative(0.0))


@dataclass(frozen=True)
class LogValuation(Valuation):
    """``V(x) = a ln(1 + b x)``."""
    a: float
    b: float = 1.0
    kind = KIND_LOG

    def __post_init__(self):
        object.__setattr__(self, "a", check_positive("LogValuation: a", self.a))
        object.__setattr__(self, "b", check_positive("LogValuation: b", self.b))

    @property
    def parameters(self):
        return (self.a, self.b)

    def value(self, x):
        return self.a * np.log1p(self.b * np.asarray(x, dtype=float))

    def derivative(self, x):
        return self.a * self.b / (1.0 + self.b * np.asarray(x, dtype=float))

    def second_derivative(self, x):
        return -self.a * self.b ** 2 / (1.0 + self.b * np.asarray(x, dtype=float)) ** 2

    def inverse_derivative(self, slope):
        """The ``x >= 0`` with ``V'(x) = slope`` (``0`` when ``slope >= V'(0)``)."""
        return np.maximum(self.a / np.asarray(slope, dtype=float) - 1.0 / self.b, 0.0)


@dataclass(frozen=True)
class PowerValuation(Valuation):
    """``V(x) = a x^p`` with ``0 < p < 1``."""
    a: float
    p: float = 0.5
    kind = KIND_POWER

    def __post_init__(self):
        object.__setattr__(self, "a", check_positive("PowerValuation: a", self.a))
        p = check_positive("PowerValuation: p", self.p)
        if p >= 1:
            raise ValueError(f"PowerValuation: p: expected 0 < p < 1 (strictly concave); got {p!r}")
        object.__setattr__(self, "p", p)

    @property
    def parameters(self):
        return (self.a, self.p)

    def value(self, x):
        return self.a * np.asarray(x, dtype=float) ** self.p

    def derivative(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return self.a * self.p * x ** (self.p - 1.0)

    def second_derivative(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return self.a * self.p * (self.p - 1.0) * x ** (self.p - 2.0)

    def inverse_derivative(self, slope):
        return (np.asarray(slope, dtype=float) / (self.a * self.p)) ** (1.0 / (self.p - 1.0))


def check_valuation(valuation) -> Valuation:
    """``valuation`` when it is a :class:`Valuation`; raises naming it."""
    if not isinstance(valuation, Valuation):
        raise TypeError(f"valuation: expected a Valuation; got {type(valuation).__name__}")
    return valuation


def check_valuations(valuations, n: int | None = None) -> tuple:
    """``valuations`` as a tuple of :class:`Valuation` (of length ``n`` if given)."""
    if isinstance(valuations, Valuation):
        raise TypeError("valuations: expected a sequence of Valuation objects, one per agent")
    try:
        vals = tuple(valuations)
    except TypeError as exc:
        raise TypeError(f"valuations: expected a sequence of Valuation objects; got {valuations!r}") from exc
    for i, v in enumerate(vals):
        if not isinstance(v, Valuation):
            raise TypeError(f"valuations[{i}]: expected a Valuation (LogValuation, PowerValuation); "
                            f"got {type(v).__name__}")
    if not vals:
        raise ValueError("valuations: expected at least one agent")
    if n is not None and len(vals) != n:
        raise ValueError(f"valuations: expected {n} valuations (one per agent); got {len(vals)}")
    return vals


def valuation_arrays(valuations):
    """``(kinds, a, b)`` int/float arrays for the compiled kernels."""
    vals = check_valuations(valuations)
    kinds = np.array([v.kind for v in vals], dtype=np.int64)
    a = np.array([v.parameters[0] for v in vals], dtype=np.float64)
    b = np.array([v.parameters[1] for v in vals], dtype=np.float64)
    return kinds, a, b


@numba.njit(cache=True)
def _value(kind, a, b, x):
    if kind == KIND_LOG:
        return a * np.log1p(b * x)
    return a * x ** b


@numba.njit(cache=True)
def _derivative(kind, a, b, x):
    if kind == KIND_LOG:
        return a * b / (1.0 + b * x)
    if x <= 0.0:
        return np.inf
    return a * b * x ** (b - 1.0)

"""Agents' utilities ``v_i`` for ch. 4 (private to agent ``i``; their curvature bound ``eta`` is
common knowledge).

A utility acts on a bundle ``x`` of ``K`` goods (private goods, §2.1) or on the ``P`` features of
the public good (§2.2); arrays of shape ``(K,)``. The model's assumption (4.1) on the inverse
Hessian ``H^{-1}``, for some ``eta > 1`` and every good ``k``,

    -eta < H^{-1}_kk + sum_{l != k} |H^{-1}_kl| < 0          (4.1a)
    H^{-1}_kk < -1/eta                                       (4.1b)

reduces for ``K = 1`` to ``v'' in (-eta, -1/eta)`` (4.2). :meth:`satisfies_curvature` checks it
(everywhere for the quadratic utility; from the closed-form bounds for ``LogCoshUtility``).

* :class:`QuadraticUtility`: ``v(x) = x' Theta x + sigma' x`` (the experiments' form, §5.2, with
  ``K = 1``: ``v(x) = theta x^2 + sigma x``).
* :class:`LogCoshUtility` (``K = 1``): ``v(x) = -alpha x^2 / 2 - gamma log cosh x + sigma x``, a
  non-quadratic test case with ``v'' in (-alpha - gamma, -alpha]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

__all__ = ["Utility", "QuadraticUtility", "LogCoshUtility", "random_quadratic_utilities",
           "check_utilities"]


class Utility:
    """Interface: ``dim``, ``value(x)``, ``gradient(x)``, ``hessian(x)``, ``inverse_gradient(p)``
    (the unique ``x`` with ``grad v(x) = p``) and ``satisfies_curvature(eta)``."""
    dim: int = 1

    def value(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def gradient(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def hessian(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def inverse_gradient(self, p):  # pragma: no cover - interface
        raise NotImplementedError

    def satisfies_curvature(self, eta: float) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


def _inverse_hessian_condition(h_inv, eta):
    """(4.1a)-(4.1b) for one inverse Hessian."""
    h_inv = np.atleast_2d(h_inv)
    diag = np.diag(h_inv)
    off = np.abs(h_inv).sum(axis=1) - np.abs(diag)
    row = diag + off
    return bool(np.all(row > -eta) and np.all(row < 0) and np.all(diag < -1.0 / eta))


@dataclass(frozen=True, eq=False)
class QuadraticUtility(Utility):
    """``v(x) = x' Theta x + sigma' x`` with ``Theta`` negative definite (symmetric).

    Parameters
    ----------
    theta : float or ndarray (K, K)
        ``theta < 0`` for one good (``v'' = 2 theta``).
    sigma : float or ndarray (K,)
    """
    theta: np.ndarray = field(repr=True)
    sigma: np.ndarray = field(repr=True)

    def __post_init__(self):
        th = np.atleast_2d(np.asarray(self.theta, dtype=np.float64))
        sg = np.atleast_1d(np.asarray(self.sigma, dtype=np.float64)).ravel()
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
        object.__setattr__(self, "theta", th)
        object.__setattr__(self, "sigma", sg)

    @property
    def dim(self) -> int:
        return self.sigma.size

    def value(self, x):
        x = np.asarray(x, dtype=np.float64).reshape(self.dim)
        return float(x @ self.theta @ x + self.sigma @ x)

    def gradient(self, x):
        x = np.asarray(x, dtype=np.float64).reshape(self.dim)
        return 2.0 * self.theta @ x + self.sigma

    def hessian(self, x=None):
        return 2.0 * self.theta

    def inverse_gradient(self, p):
        p = np.asarray(p, dtype=np.float64).reshape(self.dim)
        return np.linalg.solve(2.0 * self.theta, p - self.sigma)

    def satisfies_curvature(self, eta: float) -> bool:
        return _inverse_hessian_condition(np.linalg.inv(2.0 * self.theta), eta)


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


def check_utilities(utilities, n_agents: int, dim: int | None = None, eta: float | None = None):
    """Validate a sequence of utilities (one per agent, equal ``dim``, curvature (4.1) for ``eta``)."""
    utilities = tuple(utilities)
    if len(utilities) != n_agents:
        raise ValueError(f"utilities: expected {n_agents} utilities (one per agent); got {len(utilities)}")
    for i, u in enumerate(utilities):
        if not isinstance(u, Utility):
            raise TypeError(f"utilities[{i}]: expected a mechanisms.distributed Utility; "
                            f"got {type(u).__name__}")
    dims = {u.dim for u in utilities}
    if len(dims) != 1:
        raise ValueError(f"utilities: all agents must have the same number of goods; got dims {sorted(dims)}")
    if dim is not None and dims != {dim}:
        raise ValueError(f"utilities: expected dimension {dim}; got {dims.pop()}")
    if eta is not None:
        for i, u in enumerate(utilities):
            if not u.satisfies_curvature(eta):
                raise ValueError(f"utilities[{i}]: violates the curvature bound (4.1) for eta = {eta}")
    return utilities

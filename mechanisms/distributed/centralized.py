"""The designer's problems of ch. 4 §2 and their optimality conditions.

* Private goods (Walrasian allocation with money), (4.4): ``max sum_i v_i(x_i)`` subject to
  ``sum_i x_i^k = c_k``; KKT (4.5): ``dv_i(x_i*)/dx^k = lambda_k*`` for every agent.
* Public good with ``P`` features (Lindahl allocation), (4.6): ``max_x sum_i v_i(x)``; (4.7):
  ``grad v_i(x*) = mu_i*`` and ``sum_i mu_i* = 0`` (the duals of the copy constraints (4.8)).

Quadratic utilities have closed forms; otherwise one-dimensional problems are solved by
the layer's level search (:func:`mechanisms._levels.monotone_root`) on the (monotone) dual and multi-dimensional ones by ``scipy.optimize.root``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import root

from .._arrays import freeze
from .._levels import monotone_root
from ..utilities import BUNDLE, QuadraticUtility, check_utilities

__all__ = ["PrivateOptimum", "PublicOptimum", "solve_private", "solve_public"]


@dataclass(frozen=True, eq=False)
class PrivateOptimum:
    """Solution of (4.4). ``x`` has shape (N, K), ``prices`` (= lambda*) shape (K,);
    ``kkt_residual`` is ``max |grad v_i(x_i) - lambda|`` and ``feasibility_residual`` is
    ``max_k |sum_i x_i^k - c_k|``."""
    x: np.ndarray = field(repr=False)
    prices: np.ndarray
    supply: np.ndarray
    kkt_residual: float
    feasibility_residual: float
    success: bool = True
    message: str = ""
    method: str = "closed-form"


@dataclass(frozen=True, eq=False)
class PublicOptimum:
    """Solution of (4.6). ``x`` has shape (P,), ``prices`` (= mu*) shape (N, P) with
    ``sum_i mu_i = 0``; ``kkt_residual`` is ``max |sum_i grad v_i(x)|``."""
    x: np.ndarray
    prices: np.ndarray = field(repr=False)
    kkt_residual: float
    success: bool = True
    message: str = ""
    method: str = "closed-form"


def solve_private(utilities, supply=0.0) -> PrivateOptimum:
    """Solve (4.4) for ``utilities`` (one per agent) and the supplies ``c`` (shape (K,) or scalar).

    Quadratic: ``lambda* = (sum_i (2 Theta_i)^{-1})^{-1} (c + sum_i (2 Theta_i)^{-1} sigma_i)`` and
    ``x_i* = (2 Theta_i)^{-1}(lambda* - sigma_i)``. Otherwise ``lambda*`` is the root of
    ``sum_i (grad v_i)^{-1}(lambda) - c`` (decreasing in ``lambda`` for one good).
    """
    utilities = check_utilities(utilities, None, methods=BUNDLE)
    K = utilities[0].dim
    c = np.broadcast_to(np.asarray(supply, dtype=np.float64), (K,)).copy()
    if not np.all(np.isfinite(c)):
        raise ValueError(f"supply: expected finite numbers; got {supply!r}")
    method = "closed-form"
    if all(isinstance(u, QuadraticUtility) for u in utilities):
        inv = [np.linalg.inv(2.0 * u.theta) for u in utilities]
        lam = np.linalg.solve(sum(inv), c + sum(m @ u.sigma for m, u in zip(inv, utilities)))
    elif K == 1:
        method = "brentq"

        def excess(lam):
            return sum(u.inverse_gradient([lam])[0] for u in utilities) - c[0]
        lam = np.array([monotone_root(excess, -1.0, 1.0, grow=True, xtol=1e-14, rtol=1e-15)])
    else:
        method = "scipy.optimize.root"
        sol = root(lambda lam: sum(u.inverse_gradient(lam) for u in utilities) - c, np.zeros(K), tol=1e-14)
        lam = sol.x
    x = np.array([u.inverse_gradient(lam) for u in utilities])
    kkt = float(max(np.max(np.abs(u.gradient(xi) - lam)) for u, xi in zip(utilities, x)))
    feas = float(np.max(np.abs(x.sum(axis=0) - c)))
    ok = bool(np.isfinite(kkt) and kkt <= 1e-8 * (1 + np.max(np.abs(lam)))
              and feas <= 1e-8 * (1 + np.max(np.abs(x))))
    freeze(x, lam, c)
    return PrivateOptimum(x=x, prices=lam, supply=c, kkt_residual=kkt, feasibility_residual=feas,
                          success=ok, message="optimal" if ok else "KKT residual above 1e-8",
                          method=method)


def solve_public(utilities) -> PublicOptimum:
    """Solve (4.6): ``sum_i grad v_i(x*) = 0``; ``mu_i* = grad v_i(x*)`` (4.7).

    Quadratic: ``x* = -(sum_i 2 Theta_i)^{-1} sum_i sigma_i`` (one feature:
    ``x* = -sum sigma_i / (2 sum theta_i)``).
    """
    utilities = check_utilities(utilities, None, methods=BUNDLE)
    P = utilities[0].dim
    method = "closed-form"
    if all(isinstance(u, QuadraticUtility) for u in utilities):
        x = -np.linalg.solve(sum(2.0 * u.theta for u in utilities), sum(u.sigma for u in utilities))
    elif P == 1:
        method = "brentq"

        def total(x):
            return sum(u.gradient([x])[0] for u in utilities)
        x = np.array([monotone_root(total, -1.0, 1.0, grow=True, xtol=1e-14, rtol=1e-15)])
    else:
        method = "scipy.optimize.root"
        sol = root(lambda z: sum(u.gradient(z) for u in utilities), np.zeros(P),
                   jac=lambda z: sum(u.hessian(z) for u in utilities), tol=1e-14)
        x = sol.x
    mu = np.array([u.gradient(x) for u in utilities])
    kkt = float(np.max(np.abs(mu.sum(axis=0))))
    ok = bool(kkt <= 1e-8 * (1 + np.max(np.abs(mu))))
    freeze(x, mu)
    return PublicOptimum(x=x, prices=mu, kkt_residual=kkt, success=ok,
                         message="optimal" if ok else "KKT residual above 1e-8", method=method)

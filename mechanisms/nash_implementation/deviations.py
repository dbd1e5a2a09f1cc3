"""Numerical search for profitable one-agent deviations (is a message profile a Nash equilibrium?).

For every mechanism of ch. 1-3 the tax of agent ``i`` is, for a fixed own demand ``y_i``, a
separable convex quadratic in each of ``i``'s price coordinates (and in ``rho_i``): every price
appears in one link term only, through ``(p - pbar)^2``-type squares plus linear terms. The
search therefore has three parts:

1. **global, demand axis**: ``y_i`` runs over a grid (0 or the lower bound ``d_i``, the current
   demand and relative steps around it, and a log-spaced grid from ``y_low * scale`` to
   ``y_high * scale``, ``scale`` = the largest current demand); at each grid point the prices are
   set to their exact best reply by coordinate-wise quadratic fits (two sweeps);
2. **refinement**: bounded Brent search of ``y_i`` between the neighbours of the best grid points;
3. **local**: bounded Nelder-Mead in the full message space from the current message and from the
   best point found.

The report gives the largest gain over the current payoff found per agent and what was searched.
A gain ``<= 1e-8`` is evidence, not proof, of equilibrium: only the stated demand range is searched.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, minimize_scalar

__all__ = ["DeviationReport", "max_deviation_gain", "best_response"]


@dataclass(frozen=True, eq=False)
class DeviationReport:
    """Result of :func:`max_deviation_gain`.

    Attributes
    ----------
    max_gain : float
        Largest ``u^_i(s_i', s_-i) - u^_i(s)`` found over the agents searched.
    gains : ndarray (N,)
        Per agent (``nan`` for agents not searched).
    best_agent : int
    best_messages : tuple of ndarray
        The best deviation found for each agent (its current message if none is better).
    current_payoffs : ndarray (N,)
    n_evaluations : int
    success : bool
        ``max_gain <= tol``.
    message : str
    method : str
    parameters : dict
        Every setting of the search, including the searched demand range.
    """
    max_gain: float
    gains: np.ndarray
    best_agent: int
    best_messages: tuple = field(repr=False)
    current_payoffs: np.ndarray = field(repr=False)
    n_evaluations: int = 0
    success: bool = True
    message: str = ""
    method: str = "demand-grid+brent+quadratic-price-fit+nelder-mead"
    parameters: dict = field(default_factory=dict)


class _AgentProblem:
    """Payoff of agent ``i`` as a function of its own message, others fixed."""

    def __init__(self, mechanism, utilities, messages, i, price_cap):
        self.mech, self.u, self.i = mechanism, utilities[i], i
        self.base = list(messages)
        self.lb = mechanism.lower_bounds(i)
        self.y_min = mechanism.demand_lower_bound(i)
        self.price_cap = price_cap
        self.n_eval = 0
        self._cache_y = None
        self._cache_alloc = None

    def payoff(self, z):
        z = np.maximum(np.asarray(z, dtype=float), self.lb)
        if self.y_min > 0 and z[0] <= self.y_min:
            z[0] = self.y_min * (1 + 1e-12) + 1e-300
        self.base[self.i] = z
        y = self.mech.demands(self.base)
        if self._cache_y is None or y[self.i] != self._cache_y[self.i]:
            self._cache_alloc = self.mech._allocate(y)
            self._cache_y = y
        self.n_eval += 1
        x = self._cache_alloc[0]
        t = self.mech._taxes(self.base, y, self._cache_alloc)
        return float(self.u.value(x[self.i])) - float(t[self.i])

    def best_prices(self, y_i, z_start, sweeps=2):
        """Best reply in the non-demand coordinates for a fixed demand (exact for quadratics)."""
        z = np.array(z_start, dtype=float)
        z[0] = y_i
        best = self.payoff(z)
        z_best = z
        for _ in range(sweeps):
            for a in range(1, z.size):
                h = max(1.0, abs(z[a]))
                vals = []
                for v in (0.0, h, 2 * h):
                    zz = z.copy()
                    zz[a] = v
                    val = self.payoff(zz)
                    vals.append(-val)                      # tax up to a constant
                    if val > best:
                        best, z_best = val, zz
                c0, c1, c2 = vals
                a2 = (c2 - 2 * c1 + c0) / (2 * h * h)
                a1 = (c1 - c0) / h - a2 * h
                if a2 > 1e-14:
                    v = min(max(-a1 / (2 * a2), 0.0), self.price_cap)
                elif a1 < 0:
                    v = self.price_cap
                else:
                    v = None
                if v is not None:
                    zz = z.copy()
                    zz[a] = v
                    val = self.payoff(zz)
                    if val > best:
                        best, z_best = val, zz
                z = z_best
        return best, z


def _search_agent(problem, z0, *, n_grid, y_low, y_high, n_refine, local, scale):
    u0 = problem.payoff(z0)
    best_val, best_z = u0, np.array(z0, dtype=float)

    def consider(val, z):
        nonlocal best_val, best_z
        if val > best_val:
            best_val, best_z = val, np.array(z, dtype=float)

    y0 = float(z0[0])
    lo = problem.y_min * (1 + 1e-9) if problem.y_min > 0 else 0.0
    grid = [lo, y0]
    for step in (1e-6, 1e-4, 1e-2, 1e-1, 0.5):
        grid += [y0 * (1 - step), y0 * (1 + step)]
    grid += list(np.geomspace(y_low * scale, y_high * scale, n_grid))
    grid = np.unique(np.array([g for g in grid if g >= lo]))
    values = np.empty(grid.size)
    zs = []
    for k, y in enumerate(grid):
        val, z = problem.best_prices(y, z0, sweeps=1)
        values[k] = val
        zs.append(z)
        consider(val, z)
    # refinement of the best grid cells
    for k in np.argsort(-values)[:n_refine]:
        a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
        if b <= a:
            continue
        start = zs[k]
        res = minimize_scalar(lambda y: -problem.best_prices(y, start, sweeps=1)[0], bounds=(a, b),
                              method="bounded", options={"xatol": 1e-10 * max(1.0, b)})
        val, z = problem.best_prices(res.x, start, sweeps=2)
        consider(val, z)
    # polish prices of the best point, then local Nelder-Mead from current and best
    val, z = problem.best_prices(best_z[0], best_z, sweeps=2)
    consider(val, z)
    if local:
        for start in (np.array(z0, dtype=float), best_z.copy()):
            step = np.maximum(np.abs(start) * 0.05, 1e-3)
            simplex = np.vstack([start] + [start + np.eye(start.size)[j] * step[j]
                                           for j in range(start.size)])
            bounds = [(lb, None) for lb in problem.lb]
            res = minimize(lambda z: -problem.payoff(z), start, method="Nelder-Mead", bounds=bounds,
                           options={"initial_simplex": simplex, "maxfev": 60 * start.size,
                                    "xatol": 1e-12, "fatol": 1e-15})
            consider(-res.fun, np.maximum(res.x, problem.lb))
    return u0, best_val, best_z


def max_deviation_gain(mechanism, utilities, messages, *, agents=None, n_grid: int = 60,
                       y_low: float = 1e-6, y_high: float = 1e4, n_refine: int = 4,
                       local: bool = True, price_cap: float = 1e8, tol: float = 1e-8) -> DeviationReport:
    """Largest gain of a unilateral deviation found for each agent.

    Parameters
    ----------
    mechanism : UnicastMechanism | MulticastMechanism | LinearConstraintMechanism
    utilities : sequence of Utility
    messages : tuple of ndarray
        The profile to test.
    agents : iterable of int, optional
        Agents to search (default all).
    n_grid : int
        Log-spaced demand grid points in ``[y_low * scale, y_high * scale]``.
    y_low, y_high : float
        Relative demand range searched (``scale`` = largest current demand).
    n_refine : int
        Number of best grid cells refined by Brent's method.
    local : bool
        Also run bounded Nelder-Mead in the full message space.
    price_cap : float
        Upper bound on searched prices.
    tol : float
        ``success`` means ``max_gain <= tol``.

    Deterministic: no random numbers are drawn.
    """
    messages = mechanism.check_messages(messages)
    N = mechanism.n_agents
    if len(utilities) != N:
        raise ValueError(f"utilities: expected {N}; got {len(utilities)}")
    if int(n_grid) < 2:
        raise ValueError(f"n_grid: must be >= 2; got {n_grid}")
    if not (0 < y_low < y_high):
        raise ValueError(f"y_low, y_high: need 0 < y_low < y_high; got {y_low}, {y_high}")
    agents = list(range(N)) if agents is None else [int(a) for a in agents]
    for a in agents:
        if not 0 <= a < N:
            raise ValueError(f"agents: {a} is not an agent index (N = {N})")
    y = mechanism.demands(messages)
    scale = float(max(np.max(y), 1e-3))
    gains = np.full(N, np.nan)
    current = mechanism.payoffs(utilities, messages)
    best_messages = list(messages)
    n_eval = 0
    for i in agents:
        prob = _AgentProblem(mechanism, utilities, messages, i, price_cap)
        u0, best, z = _search_agent(prob, messages[i], n_grid=int(n_grid), y_low=y_low,
                                    y_high=y_high, n_refine=int(n_refine), local=local, scale=scale)
        gains[i] = best - u0
        best_messages[i] = z if best > u0 else messages[i]
        n_eval += prob.n_eval
    searched = np.where(np.isnan(gains), -np.inf, gains)
    k = int(np.argmax(searched))
    max_gain = float(max(searched[k], 0.0))
    success = bool(max_gain <= tol)
    msg = (f"no deviation gains more than {tol:g} (best {max_gain:.3e})" if success else
           f"agent {k} gains {max_gain:.6g} by deviating to {np.round(best_messages[k], 6).tolist()}")
    return DeviationReport(
        max_gain=max_gain, gains=gains, best_agent=k, best_messages=tuple(best_messages),
        current_payoffs=current, n_evaluations=n_eval, success=success, message=msg,
        parameters={"agents": agents, "n_grid": int(n_grid), "y_low": y_low, "y_high": y_high,
                    "demand_range": [y_low * scale, y_high * scale], "n_refine": int(n_refine),
                    "local": bool(local), "price_cap": price_cap, "tol": tol})


def best_response(mechanism, utilities, messages, i, **search_options):
    """Agent ``i``'s best message found by the deviation search (its current one if nothing is
    better). Options as in :func:`max_deviation_gain`."""
    report = max_deviation_gain(mechanism, utilities, messages, agents=[i], **search_options)
    return np.array(report.best_messages[i], dtype=float)

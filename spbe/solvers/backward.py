"""Finite-horizon backward recursion (6.4)-(6.6) on a belief grid.

V_{T+1} = G; for t = T, ..., 1 and every grid belief π solve the stage fixed point (6.4)
against V_{t+1} and set V_t(π, ·) by (6.5). The result θ_t is the equilibrium generating
function of period t; the forward recursion (6.8)-(6.10) then generates the SPBE. Each period
still needs a selection among stage solutions: the consistent selection anchored at θ_{t+1}
keeps θ_t continuous in t.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from ..stage.node_solver import NodeSolver
from .infinite import stage_sweep

__all__ = ["backward_recursion"]


def backward_recursion(game, grid: BeliefGrid, delta: float, horizon: int, solver: NodeSolver,
                       terminal_values: np.ndarray, *, selection: str = "auto",
                       accept_dist: float = 0.5, theta0: Optional[np.ndarray] = None,
                       cases0: Optional[np.ndarray] = None,
                       callback: Optional[Callable] = None, symmetry=None) -> dict:
    """Run (6.4)-(6.5) for t = T..1; arrays are indexed by period t - 1 (values[T] = G)."""
    beliefs = grid.nodes()
    B, N = grid.n_nodes, game.n_agents
    Mx, Kx = max(game.n_types), max(game.n_actions)
    strategies = np.zeros((horizon, B, N, Mx, Kx))
    intended = np.zeros_like(strategies)
    values = np.zeros((horizon + 1, B, N, Mx))
    cases = np.full((horizon, B), -1, dtype=np.int64)
    flagged = np.zeros((horizon, B), dtype=bool)
    residuals = np.zeros((horizon, B))
    values[horizon] = terminal_values
    theta, case = theta0, cases0
    history = []
    t0 = time.perf_counter()
    for k in range(horizon - 1, -1, -1):
        V = ContinuationValue(grid, values[k + 1])
        res, TV = stage_sweep(solver, grid, beliefs, V, delta, theta, case, selection, accept_dist,
                              symmetry)
        strategies[k], intended[k], values[k] = res.played, res.strategy, TV
        cases[k], flagged[k], residuals[k] = res.case, res.status != 0, res.residual
        theta, case = res.strategy, res.case
        history.append(dict(period=k + 1, flagged=int(flagged[k].sum()),
                            stage_residual=float(res.residual[~flagged[k]].max(initial=0.0)),
                            phase="backward-recursion"))
        if callback is not None and callback(history[-1]) is False:
            break
    return dict(strategies=strategies, intended=intended, values=values, cases=cases, flagged=flagged,
                residuals=residuals, history=history, elapsed=time.perf_counter() - t0)

"""Verification of a computed equilibrium (thesis Theorem 4.3; notes §2.8).

``epsilon`` is the largest gain any agent-type gets from a one-shot deviation, at beliefs finer
than the solve grid and at beliefs visited by the forward recursion, when the continuation value
is that of the returned strategy itself (policy evaluation, not the solver's own V). By the
one-shot deviation principle no deviation then gains more than about epsilon / (1 - δ) over the
whole future (notes §1.6); for a finite horizon V_{t+1} *is* the value of the returned θ_{t+1..T}.
"""
from __future__ import annotations

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from .policy_evaluation import evaluate_policy, node_action_values

__all__ = ["verify"]


def _gains(game, played, U) -> np.ndarray:
    """Per-belief largest one-shot gain max_{i,x} [max_a U − Σ_a γ U]."""
    out = np.zeros(played.shape[0])
    for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
        u = U[:, i, :m, :k]
        g = u.max(axis=-1) - (played[:, i, :m, :k] * u).sum(axis=-1)
        out = np.maximum(out, g.max(axis=-1))
    return out


def verify(eq, *, refine: int = 2, n_paths: int = 20, steps: int = 15, seed: int = 0) -> dict:
    """Compute epsilon and the related diagnostics of an :class:`~spbe.Equilibrium`.

    Parameters
    ----------
    refine : the check grid has ``refine`` times the solve resolution (it contains the nodes)
    n_paths, steps : forward-recursion paths (initial beliefs uniform in the interior, types drawn
        from them) whose visited beliefs are added to the check set
    """
    game, grid, delta = eq.game, eq.grid, eq.delta
    backend = eq.settings.get("backend", "numba")
    fine = BeliefGrid(game.n_types, tuple(refine * r for r in grid.resolution))
    samples = [fine.nodes()]
    rng = np.random.default_rng(seed)
    T = eq.strategy_nodes.shape[0]
    if eq.horizon is None:
        W = evaluate_policy(game, grid, eq.strategy_nodes[0], delta, backend)
        continuations = [W]
        policy_gap = float(np.max(np.abs(W - eq.values[0])))
    else:
        continuations = [eq.values[k + 1] for k in range(T)]
        policy_gap = 0.0
    for p in range(n_paths if eq.horizon is None else 0):
        belief = [rng.dirichlet(np.ones(m)) * 0.9 + 0.1 / m for m in game.n_types]
        types = [int(rng.choice(m, p=b)) for m, b in zip(game.n_types, belief)]
        sim = eq.simulate(types, steps, seed=seed + p, belief=belief)
        samples.append(sim.beliefs)
    beliefs = np.concatenate(samples)
    worst, where, flagged = 0.0, None, 0
    for k in range(T):
        played, flags = eq._strategies_padded(beliefs, k)
        U = node_action_values(game, grid, beliefs, played, ContinuationValue(grid, continuations[k]), delta,
                               backend)
        gains = _gains(game, played, U)
        flagged += int(flags.sum())
        b = int(np.argmax(gains))
        if gains[b] > worst:
            worst = float(gains[b])
            where = dict(period=None if eq.horizon is None else k + 1,
                         belief=[beliefs[b, i, :m].tolist() for i, m in enumerate(game.n_types)])
        if eq.horizon is None:
            on_grid = _gains(game, eq.strategy_nodes[0], node_action_values(
                game, grid, grid.nodes(), eq.strategy_nodes[0], ContinuationValue(grid, W), delta, backend))
            node_epsilon = float(on_grid.max())
    out = dict(epsilon=worst, epsilon_per_round=(1 - delta) * worst, where=where,
               n_beliefs=int(len(beliefs)), check_resolution=list(fine.resolution),
               beliefs_without_exact_solution=flagged, policy_gap=policy_gap,
               refine=refine, n_paths=n_paths, steps=steps, seed=seed)
    if eq.horizon is None:
        out["node_epsilon"] = node_epsilon
    return out

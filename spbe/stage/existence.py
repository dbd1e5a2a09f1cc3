"""A checkable version of Assumption (E1) of Theorem 6.1 (thesis ch. 6 §6; notes §4.3).

The payoff differences f (U(a) - U(a') for each agent-type) of the stage problem are
continuous in γ̃ except where the Bayes update (6.7) switches branch: where some action a^j of
an agent j with a non-degenerate belief gets probability zero under every type in supp π^j
(the interpolated V is continuous, so only these jumps matter). Assumption (E1) asks that at
every such point x̲_0 each discontinuous f either vanishes at x̲_0 or keeps its sign on a
neighbourhood; Theorem 6.1 then gives a solution by Kakutani's theorem.

Approaching x̲_0 so that a^j becomes on-path, the posterior after a^j tends to a limit fixed by
the *ratios* of the vanishing probabilities, so the neighbourhood is sampled along rays in
every type direction and in random mixtures of them, at distances 1e-10 and 1e-7.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from .action_values import StageEvaluator, offpath_mask
from .result import E1Report

__all__ = ["check_e1"]

_STEPS = (1e-10, 1e-7)


def _project(gamma: np.ndarray, j: int, a: int, types, n_actions: int) -> np.ndarray:
    """Move the mass of action a of agent j's types in ``types`` to the other actions."""
    g = gamma.copy()
    for x in types:
        g[j, x, a] = 0.0
        s = g[j, x, :n_actions].sum()
        if s > 0:
            g[j, x, :n_actions] /= s
        else:
            g[j, x, :n_actions] = 1.0 / (n_actions - 1)
            g[j, x, a] = 0.0
    return g


def check_e1(game, belief, V, *, delta=None, backend="numba", extra_points=(), evaluator=None,
             tol=1e-9, n_random=4, max_points=64, seed=0) -> E1Report:
    """Test Assumption (E1) at one belief by sampling the discontinuity set of the stage payoffs.

    Parameters
    ----------
    game : DynamicGame
    belief : (N, M_max) padded belief, or a sequence of per-agent vectors
    V : continuation values (None: no continuation, payoffs are continuous)
    extra_points : padded strategies to project onto the discontinuity set (e.g. solutions)
    tol : payoff differences within ``tol`` of zero count as zero
    n_random, max_points, seed : sampling of base points and of mixed approach directions

    Returns
    -------
    E1Report; ``violations`` lists (agent j, off-path action, agent i, type x, actions (a, a'),
    f at the point, f nearby) for the first few violations found.
    """
    pb = np.asarray(belief, dtype=float) if isinstance(belief, np.ndarray) else game.padded_belief(belief)
    delta = game.delta if delta is None else float(delta)
    if V is None or delta == 0.0:
        return E1Report(True, 0, (), "no continuation value: the stage payoffs are continuous in the strategy")
    noisy = [j for j, m in enumerate(game.n_types) if np.count_nonzero(pb[j, :m] > 0) >= 2]
    if not noisy:
        return E1Report(True, 0, (), "every belief is degenerate: the Bayes update (6.7) has no jump")
    if evaluator is None:
        evaluator = StageEvaluator(game, pb, V, delta, backend=backend)
    rng = np.random.default_rng(seed)
    N, Mx, Kx = game.n_agents, max(game.n_types), max(game.n_actions)

    def pure(choice):
        g = np.zeros((N, Mx, Kx))
        k = 0
        for i, m in enumerate(game.n_types):
            for x in range(m):
                g[i, x, choice[k]] = 1.0
                k += 1
        return g

    per_type_actions = [range(k) for k, m in zip(game.n_actions, game.n_types) for _ in range(m)]
    n_pure = int(np.prod([len(r) for r in per_type_actions]))
    if n_pure <= max_points:
        bases = [pure(c) for c in product(*per_type_actions)]
    else:
        bases = [pure([rng.integers(len(r)) for r in per_type_actions]) for _ in range(max_points)]
    bases += [np.asarray(p, dtype=float) for p in extra_points]
    for _ in range(n_random):
        g = np.zeros((N, Mx, Kx))
        for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
            g[i, :m, :k] = rng.dirichlet(np.ones(k), size=m)
        bases.append(g)

    violations, checked = [], 0
    for j in noisy:
        support = [x for x in range(game.n_types[j]) if pb[j, x] > 0]
        kj = game.n_actions[j]
        if kj < 2:
            continue
        directions = [np.eye(len(support))[s] for s in range(len(support))]
        directions += [rng.dirichlet(np.ones(len(support))) for _ in range(2)]
        for a in range(kj):
            seen = []
            for base in bases:
                g0 = _project(base, j, a, support, kj)
                if any(np.array_equal(g0, s) for s in seen):
                    continue
                seen.append(g0)
                checked += 1
                U0 = evaluator(g0, offpath_mask(game, pb, g0))
                for d in directions:
                    for t in _STEPS:
                        g = g0.copy()
                        for w, x in zip(d, support):
                            g[j, x, :kj] *= (1.0 - t * w)
                            g[j, x, a] += t * w
                        U = evaluator(g, offpath_mask(game, pb, g))
                        _record(game, j, a, U0, U, tol, violations)
                if len(violations) >= 20:
                    break
    holds = not violations
    note = ("Theorem 6.1 (N = 2, binary types and actions)" if N == 2 and max(game.n_types) == 2
            and max(game.n_actions) == 2 else "extension of (E1) beyond Theorem 6.1's setting (a conjecture)")
    return E1Report(holds, checked, tuple(violations[:20]), note)


def _record(game, j, a, U0, U, tol, violations) -> None:
    for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
        for x in range(m):
            for b in range(k):
                for c in range(b + 1, k):
                    d0 = U0[i, x, c] - U0[i, x, b]
                    d = U[i, x, c] - U[i, x, b]
                    if abs(d0) > tol and abs(d) > tol and d0 * d < 0:
                        violations.append(dict(offpath_agent=j, offpath_action=a, agent=i, type=x,
                                               actions=(b, c), f_at_point=float(d0), f_nearby=float(d)))

"""Monte-Carlo returns of an equilibrium's strategy as it is played (notes §2.8 item 4(b)).

An interpolation-free check of a computed equilibrium: paths of the forward recursion
(6.19)-(6.20) are run with the strategy the result plays at every belief (node prescriptions
on the grid, re-solved stage fixed points off it), and the discounted rewards are averaged.
Nothing here reads the solver's value function, so the estimates say what the strategy earns,
not what the grid assumes it earns.

For a belief π, an agent i, a type x and an action a, the estimate is the one-shot deviation
value

    Ū^i(π, x, a) = E[ R^i(x, a, a^{-i}) + Σ_{t≥1} δ^t R^i_t ],

with x^{-i} drawn from π^{-i}, a^{-i} from the prescriptions, agent i playing a in the first
period (unobserved as a deviation: the public updates with γ̃) and the prescriptions after.
The value of the strategy is V^i(π, x) = Σ_a γ̃^i(a|x) Ū^i(π, x, a) and the gain of the
deviation to a is Ū^i(π, x, a) − V^i(π, x); both come with standard errors from the
independent path groups. Infinite sums are truncated at the first H with
δ^H · R_max / (1 − δ) < ``tol``.
"""
from __future__ import annotations

import itertools
import math
from typing import Optional

import numpy as np

__all__ = ["truncation_horizon", "monte_carlo_values", "value_error"]


def truncation_horizon(delta: float, reward_bound: float, tol: float = 1e-6) -> int:
    """Smallest H ≥ 1 with δ^H · R_max / (1 − δ) < tol (the neglected tail of the return)."""
    if delta <= 0.0 or reward_bound <= 0.0:
        return 1
    target = tol * (1.0 - delta) / reward_bound
    if target >= 1.0:
        return 1
    return max(1, int(math.floor(math.log(target) / math.log(delta))) + 1)


def monte_carlo_values(eq, beliefs, *, paths: int = 200, tol: float = 1e-6, seed: int = 0,
                       max_solves: Optional[int] = None, chunk: int = 4, progress=None) -> dict:
    """Monte-Carlo one-shot deviation values Ū^i(π, x, a) of ``eq``'s strategy at ``beliefs``.

    Parameters
    ----------
    eq : Equilibrium
    beliefs : array (S, N, M_max)
        Padded public beliefs of the first period.
    paths : int
        Paths per (belief, agent, type, first action, types of the other agents).
    tol : float
        Truncation of infinite-horizon sums (see :func:`truncation_horizon`).
    seed : int
    max_solves : int, optional
        Cap on the off-grid stage solves (distinct beliefs met for the first time), the cost of
        the check. The paths run in rounds of ``chunk`` per group; no new round starts once the
        cap is passed, so fewer than ``paths`` paths may be used (returned as ``paths``). With
        Markov types nearly every visited belief is new, with static types most repeat.
    progress : callable, optional
        Called as ``progress(paths_done, paths)`` after every round.

    Returns
    -------
    dict with arrays ``deviation_values`` and ``deviation_se`` (S, N, M_max, K_max): Ū and its
    standard error; ``values`` and ``values_se`` (S, N, M_max): V = Σ_a γ̃ Ū; ``gains`` and
    ``gains_se`` (S, N, M_max, K_max): Ū − V; ``played`` (S, N, M_max, K_max): γ̃ at the beliefs;
    and ``steps`` (periods simulated), ``paths``. Entries beyond an agent's types or actions
    are zero.
    """
    game = eq.game
    beliefs = np.ascontiguousarray(beliefs, dtype=float)
    N, Mx, Kx = game.n_agents, max(game.n_types), max(game.n_actions)
    if beliefs.ndim != 3 or beliefs.shape[1:] != (N, Mx):
        raise ValueError(f"beliefs: expected shape (S, {N}, {Mx}), got {beliefs.shape}")
    if not (isinstance(paths, (int, np.integer)) and paths >= 2):
        raise ValueError(f"paths: must be an integer >= 2, got {paths!r}")
    delta = eq.delta
    if eq.horizon is None:
        steps = truncation_horizon(delta, float(np.max(np.abs(game.rewards))), tol)
    else:
        steps = int(eq.strategy_nodes.shape[0])
    rng = np.random.default_rng(seed)
    S = len(beliefs)
    # stratified over the other agents' types: every type profile x^{-i} with positive
    # probability gets its own paths, weighted by π^{-i}(x^{-i}) afterwards (unbiased, and the
    # spread of returns between the others' types, most of the variance, does not enter)
    groups, weights, profiles = [], [], []
    for s in range(S):
        for i in range(N):
            others = [range(game.n_types[j]) if j != i else [0] for j in range(N)]
            for prof in itertools.product(*others):
                w = float(np.prod([beliefs[s, j, prof[j]] for j in range(N) if j != i]))
                if w <= 0.0:
                    continue
                for x in range(game.n_types[i]):
                    for a in range(game.n_actions[i]):
                        groups.append((s, i, x, a))
                        weights.append(w)
                        profiles.append(tuple(x if j == i else prof[j] for j in range(N)))
    G = len(groups)
    g_start = np.array([g[0] for g in groups])
    g_agent = np.array([g[1] for g in groups])
    g_action = np.array([g[3] for g in groups])
    g_profile = np.array(profiles, dtype=np.int64)
    sums, squares, done = np.zeros(G), np.zeros(G), 0
    solved_before = _solves(eq)
    while done < paths:
        n = min(chunk, paths - done) if paths - done >= 2 * chunk else paths - done
        total = _returns(eq, beliefs, np.repeat(g_start, n), np.repeat(g_agent, n),
                         np.repeat(g_action, n), np.repeat(g_profile, n, axis=0), steps, rng).reshape(G, n)
        sums += total.sum(axis=1)
        squares += (total ** 2).sum(axis=1)
        done += n
        if progress is not None:
            progress(done, paths)
        if max_solves is not None and _solves(eq) - solved_before > max_solves:
            break
    mean = sums / done
    var = np.maximum(squares - done * mean ** 2, 0.0) / (done - 1) / done
    dev = np.zeros((S, N, Mx, Kx))
    dev_var = np.zeros((S, N, Mx, Kx))
    for g, (s, i, xx, a) in enumerate(groups):
        dev[s, i, xx, a] += weights[g] * mean[g]
        dev_var[s, i, xx, a] += weights[g] ** 2 * var[g]
    dev_se = np.sqrt(dev_var)
    played, _ = eq._strategies_padded(beliefs, 0)
    values = (played * dev).sum(axis=-1)
    values_se = np.sqrt((played ** 2 * dev_se ** 2).sum(axis=-1))
    gains = np.zeros_like(dev)
    gains_se = np.zeros_like(dev)
    for i, (m, kk) in enumerate(zip(game.n_types, game.n_actions)):
        gains[:, i, :m, :kk] = dev[:, i, :m, :kk] - values[:, i, :m, None]
        # Ū(a) − Σ_b γ_b Ū(b) = (1 − γ_a) Ū(a) − Σ_{b≠a} γ_b Ū(b), independent groups
        var = (played[:, i, :m, :kk] ** 2 * dev_se[:, i, :m, :kk] ** 2).sum(axis=-1, keepdims=True)
        var = var - played[:, i, :m, :kk] ** 2 * dev_se[:, i, :m, :kk] ** 2 \
            + (1.0 - played[:, i, :m, :kk]) ** 2 * dev_se[:, i, :m, :kk] ** 2
        gains_se[:, i, :m, :kk] = np.sqrt(np.maximum(var, 0.0))
    return dict(deviation_values=dev, deviation_se=dev_se, values=values, values_se=values_se,
                gains=gains, gains_se=gains_se, played=played, steps=steps, paths=done)


def _solves(eq) -> int:
    held = eq.__dict__.get("_offgrid_cache")
    return 0 if held is None else len(held[1])


def _returns(eq, beliefs, start, agent, action, profile, steps, rng) -> np.ndarray:
    """Discounted rewards of ``agent`` on paths from ``beliefs[start]`` with true types
    ``profile``, the agent playing ``action`` in the first period."""
    from ..equilibrium import forward_step
    game, delta = eq.game, eq.delta
    pb = beliefs[start].copy()
    x = profile.copy()
    rows = np.arange(len(start))
    total = np.zeros(len(start))
    discount = 1.0
    for t in range(steps):
        gamma, _ = eq._strategies_padded(pb, t if eq.horizon is not None else 0)
        _, rewards, pb, x = forward_step(game, gamma, pb, x, rng, (agent, action) if t == 0 else None)
        total += discount * rewards[rows, agent]
        discount *= delta
    if eq.horizon is not None:
        total += discount * _terminal_reward(eq, pb)[rows, agent, x[rows, agent]]
    return total


def _terminal_reward(eq, beliefs: np.ndarray) -> np.ndarray:
    """G^i(π, x) at final beliefs (R, N, M_max): the game's terminal reward, or (when it was given
    as values on the grid) their interpolant, which is then the terminal reward of the game."""
    game = eq.game
    if game.terminal_reward is not None and not eq.settings.get("terminal_values_given"):
        out = np.zeros(beliefs.shape)
        for r, pb in enumerate(beliefs):
            parts = [pb[i, :m] for i, m in enumerate(game.n_types)]
            for i, v in enumerate(game.terminal_reward(parts)):
                out[r, i, :game.n_types[i]] = np.asarray(v, dtype=float)
        return out
    return eq.grid.interpolate_many(eq.values[-1], beliefs)


def value_error(mc: dict, reported: np.ndarray, game, n_se: float = 3.0) -> tuple[float, Optional[tuple]]:
    """Largest |V_MC − V_reported| beyond ``n_se`` standard errors, and where (s, i, x)."""
    worst, where = 0.0, None
    for i, m in enumerate(game.n_types):
        gap = np.abs(mc["values"][:, i, :m] - reported[:, i, :m]) - n_se * mc["values_se"][:, i, :m]
        s, x = np.unravel_index(int(np.argmax(gap)), gap.shape)
        if gap[s, x] > worst:
            worst, where = float(gap[s, x]), (int(s), i, int(x))
    return worst, where

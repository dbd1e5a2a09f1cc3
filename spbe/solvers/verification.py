"""Verification of a computed equilibrium as an equilibrium of the game (Theorem 4.3; notes §2.8).

A solve returns a fixed point of the *discretised* problem: prescriptions at the grid nodes that
are best responses against continuation values interpolated between the nodes. The strategy a
user plays is defined at every belief (node prescriptions on the grid, the stage fixed point
re-solved off it, see :meth:`spbe.Equilibrium.strategy`), and after an off-grid belief the game
goes on from the beliefs that strategy leads to, not from the grid's nodes. So the grid's own
residual does not certify the game. This module measures the game:

1. **Check grid** (items 3 and 4(a)): a grid ``refine`` times finer than the solve grid, plus
   beliefs visited by the forward recursion. At every check node the strategy the result plays
   there is read or re-solved, the value of *that* strategy profile is computed by policy
   evaluation of the check grid's own transition system (:func:`evaluate_policy`), and every
   one-shot deviation of every agent-type is priced against it. ``epsilon`` is the largest
   gain; quantiles over the check beliefs show how much of the belief space is affected.
2. **Monte-Carlo** (item 4(b)): returns of the strategy as played, from sampled beliefs and
   types, without any interpolation (:mod:`spbe.solvers.monte_carlo`), compared with the values
   the result reports (``value_error``: the largest gap beyond 3 standard errors) and with the
   check grid's values; and the simulated gain of every one-shot deviation at those beliefs.
3. **The grid's own number** (``grid_epsilon``): the gain at the solve grid's nodes against the
   value of the node strategies on that grid. It measures how well the discretised fixed point
   was solved, not whether the result is an equilibrium of the game.

By the one-shot deviation principle no deviation gains more than about ε/(1 − δ) over the whole
future (notes §1.6); all gains are reported in value units and per round ((1 − δ) × value).
"""
from __future__ import annotations

import time

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from .monte_carlo import monte_carlo_values, value_error as _value_error
from .policy_evaluation import evaluate_policy, node_action_values

__all__ = ["verify", "DEFAULT_TOLERANCES"]

#: Tolerances of ``success``, per round and in units of the largest absolute reward R_max: the largest
#: one-shot gain at any check belief, its 99th percentile over the check beliefs, and the
#: Monte-Carlo value error beyond 3 standard errors (notes §2.8: ``|V − W_MC| ≤ 3 s.e. +
#: 1e-3 R_max / (1 − δ)``).
DEFAULT_TOLERANCES = dict(max_gain=1e-2, p99_gain=1e-3, value_error=1e-3)

#: A check belief counts as affected when a deviation gains more than this per round.
AFFECTED = 1e-3


def _gains(game, played, U) -> np.ndarray:
    """Per-belief largest one-shot gain max_{i,x} [max_a U − Σ_a γ U]."""
    out = np.zeros(played.shape[0])
    for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
        u = U[:, i, :m, :k]
        g = u.max(axis=-1) - (played[:, i, :m, :k] * u).sum(axis=-1)
        out = np.maximum(out, g.max(axis=-1))
    return out


def _belief_list(game, pb) -> list:
    return [pb[i, :m].tolist() for i, m in enumerate(game.n_types)]


def _quantiles(per_round: np.ndarray) -> dict:
    return dict(median=float(np.median(per_round)), p99=float(np.quantile(per_round, 0.99)),
                max=float(per_round.max()), share_above_1e_3=float(np.mean(per_round > AFFECTED)))


def _interior_beliefs(game, rng, count: int) -> np.ndarray:
    """Beliefs drawn uniformly on each agent's simplex, shrunk 10 % towards its centre."""
    out = np.zeros((count, game.n_agents, max(game.n_types)))
    for s in range(count):
        for i, m in enumerate(game.n_types):
            out[s, i, :m] = rng.dirichlet(np.ones(m)) * 0.9 + 0.1 / m
    return out


def verify(eq, *, refine: int = 2, n_paths: int = 20, steps: int = 15, seed: int = 0,
           monte_carlo: bool = True, mc_beliefs: int = 6, mc_paths: int | None = None,
           mc_budget: int = 20_000, mc_max_solves: int = 2_000, mc_tol: float = 1e-6,
           tolerances: dict | None = None) -> dict:
    """Measure how far an :class:`~spbe.Equilibrium` is from an equilibrium of the game.

    Parameters
    ----------
    refine : int
        The check grid has ``refine`` times the solve resolution per axis (it contains the
        solve grid's nodes); at least 2.
    n_paths, steps : int
        Forward-recursion paths (initial beliefs uniform in the interior, types drawn from them)
        whose visited beliefs are added to the check set (infinite horizon).
    monte_carlo : bool
        Run the interpolation-free Monte-Carlo check.
    mc_beliefs, mc_paths, mc_budget, mc_max_solves, mc_tol : int, int or None, int, int, float
        Sampled first-period beliefs (interior, uniform on each simplex); paths per belief, agent,
        type, first action and type profile of the other agents (default: ``mc_budget`` paths in
        all, at least 16 per group); a cap on the off-grid stage solves the paths may cause (the
        cost of the check: paths run in rounds of 4 per group, and no round starts once the cap
        is passed; the paths used are reported); and the truncation of the infinite sums
        (δ^H R_max / (1 − δ) < ``mc_tol``).
    tolerances : dict, optional
        Tolerances of ``success`` per round, in units of the largest absolute reward (see
        :data:`~spbe.solvers.verification.DEFAULT_TOLERANCES`).

    Returns
    -------
    dict with
        ``epsilon``, ``epsilon_per_round``: the largest one-shot gain of any agent-type at any
        check belief, against the value of the strategy as played (value units, per round);
        ``gain_per_round``: its median, 99th percentile, maximum and the share of check beliefs
        above 1e-3 per round; ``where``: the worst belief (and period);
        ``grid_epsilon``, ``grid_epsilon_per_round``: the same at the solve grid's nodes against
        the grid's own value of the node strategies (the discretised problem's residual);
        ``policy_gap``: ‖W − V‖∞ on the solve grid (infinite horizon: W the node strategies'
        value); ``value_gap``: the largest difference at the check nodes between the value the
        solve grid assumes (interpolated V) and the value of the strategy as played;
        ``value_error``, ``value_error_per_round``: the largest gap beyond 3 standard errors
        between Monte-Carlo returns and the reported values ``eq.value`` (None without the
        Monte-Carlo check); ``monte_carlo``: its details; ``success`` and ``message``: whether
        the tolerances hold, in one sentence; ``elapsed_s``; and the settings used.
    """
    if not (isinstance(refine, (int, np.integer)) and refine >= 2):
        raise ValueError(f"refine: must be an integer >= 2 (the check grid is finer than the solve "
                         f"grid), got {refine!r}")
    tol = dict(DEFAULT_TOLERANCES)
    if tolerances:
        unknown = set(tolerances) - set(tol)
        if unknown:
            raise ValueError(f"tolerances: unknown keys {sorted(unknown)}; known: {sorted(tol)}")
        tol.update(tolerances)
    t0 = time.perf_counter()
    game, grid, delta = eq.game, eq.grid, eq.delta
    backend = eq.settings.get("backend", "numba")
    per_round = (1.0 - delta) if eq.horizon is None else 1.0
    fine = BeliefGrid(game.n_types, tuple(refine * r for r in grid.resolution))
    fine_nodes = fine.nodes()
    rng = np.random.default_rng(seed)
    T = eq.strategy_nodes.shape[0]
    out = dict(refine=refine, n_paths=n_paths, steps=steps, seed=seed, tolerances=tol, mc_beliefs=mc_beliefs,
               check_resolution=list(fine.resolution))

    worst, where, flagged, all_gains = 0.0, None, 0, []
    if eq.horizon is None:
        # the solve grid: its own fixed point, against the value of the node strategies
        W = evaluate_policy(game, grid, eq.strategy_nodes[0], delta, backend)
        out["policy_gap"] = float(np.max(np.abs(W - eq.values[0])))
        on_grid = _gains(game, eq.strategy_nodes[0], node_action_values(
            game, grid, grid.nodes(), eq.strategy_nodes[0], ContinuationValue(grid, W), delta, backend))
        out["grid_epsilon"] = float(on_grid.max())
        # the check set: the strategy as played at every check node, and its value there
        played_f, flags_f = eq._strategies_padded(fine_nodes, 0)
        W_f = evaluate_policy(game, fine, played_f, delta, backend)
        Wcont = ContinuationValue(fine, W_f)
        out["value_gap"] = float(np.max(np.abs(W_f - grid.interpolate_many(eq.values[0], fine_nodes))))
        sims = []
        if n_paths > 0:
            start = _interior_beliefs(game, rng, n_paths)
            types = np.array([[rng.choice(m, p=start[p, i, :m]) for i, m in enumerate(game.n_types)]
                              for p in range(n_paths)], dtype=np.int64)
            sim = eq.simulate_many(types, start, steps, seed=seed)
            visited = sim.beliefs.reshape((-1,) + fine_nodes.shape[1:])
            visited = np.unique(visited[fine.locate_many(visited) < 0], axis=0)
            sims = [visited]
        beliefs = np.concatenate([fine_nodes] + sims)
        played_s, flags_s = eq._strategies_padded(beliefs[len(fine_nodes):], 0)
        played = np.concatenate([played_f, played_s])
        flags = np.concatenate([flags_f, flags_s])
        gains = _gains(game, played, node_action_values(game, fine, beliefs, played, Wcont, delta, backend))
        flagged = int(flags.sum())
        b = int(np.argmax(gains))
        worst, where = float(gains[b]), dict(period=None, belief=_belief_list(game, beliefs[b]))
        all_gains = [gains]
        check_values = W_f
    else:
        # finite horizon: the value of θ_{t..T} as played, by backward evaluation on the check grid
        beliefs = fine_nodes
        if game.terminal_reward is not None and not eq.settings.get("terminal_values_given"):
            W_next = ContinuationValue.from_function(fine, game.terminal_reward).values
        else:
            W_next = grid.interpolate_many(eq.values[T], fine_nodes)
        grid_worst = 0.0
        value_gap = 0.0
        grid_nodes = grid.nodes()
        for k in range(T - 1, -1, -1):
            played, flags = eq._strategies_padded(fine_nodes, k)
            U = node_action_values(game, fine, fine_nodes, played, ContinuationValue(fine, W_next), delta,
                                   backend)
            gains = _gains(game, played, U)
            flagged += int(flags.sum())
            all_gains.append(gains)
            b = int(np.argmax(gains))
            if gains[b] >= worst:
                worst, where = float(gains[b]), dict(period=k + 1, belief=_belief_list(game, fine_nodes[b]))
            W_next = (played * U).sum(axis=-1)
            value_gap = max(value_gap, float(np.max(np.abs(W_next - grid.interpolate_many(eq.values[k],
                                                                                          fine_nodes)))))
            on_grid = _gains(game, eq.strategy_nodes[k], node_action_values(
                game, grid, grid_nodes, eq.strategy_nodes[k], ContinuationValue(grid, eq.values[k + 1]),
                delta, backend))
            grid_worst = max(grid_worst, float(on_grid.max()))
        out["policy_gap"] = 0.0
        out["grid_epsilon"] = grid_worst
        out["value_gap"] = value_gap
        check_values = W_next
    gains_all = np.concatenate(all_gains)
    out.update(epsilon=worst, epsilon_per_round=per_round * worst, where=where,
               gain_per_round=_quantiles(per_round * gains_all),
               grid_epsilon_per_round=per_round * out["grid_epsilon"],
               n_beliefs=int(len(beliefs)), beliefs_without_exact_solution=flagged)

    out["value_error"] = out["value_error_per_round"] = None
    if monte_carlo:
        mc_start = _interior_beliefs(game, np.random.default_rng(seed + 1), mc_beliefs)
        if mc_paths is None:
            # groups (agent, own type, others' types, first action) per belief: Σ_i K_i · Π_j M_j
            groups = mc_beliefs * sum(game.n_actions) * int(np.prod(game.n_types))
            mc_paths = max(16, mc_budget // max(groups, 1))
        mc = monte_carlo_values(eq, mc_start, paths=mc_paths, tol=mc_tol, seed=seed, max_solves=mc_max_solves)
        reported = eq._values_padded(mc_start, 0)
        check = fine.interpolate_many(check_values, mc_start)
        err, err_at = _value_error(mc, reported, game)
        check_err, _ = _value_error(mc, check, game)
        dev = mc["gains"] - 3.0 * mc["gains_se"]
        s, i, x, a = np.unravel_index(int(np.argmax(mc["gains"])), mc["gains"].shape)
        out["value_error"] = err
        out["value_error_per_round"] = per_round * err
        out["monte_carlo"] = dict(
            beliefs=[_belief_list(game, pb) for pb in mc_start], paths=mc["paths"], paths_asked=mc_paths,
            max_solves=mc_max_solves, steps=mc["steps"],
            truncation_tol=mc_tol, values=mc["values"].tolist(), values_se=mc["values_se"].tolist(),
            reported_values=reported.tolist(), check_values=check.tolist(), value_error_at=None if err_at is None else dict(
                belief=_belief_list(game, mc_start[err_at[0]]), agent=err_at[1], type=err_at[2]),
            check_value_error=check_err,
            deviation_gain=float(mc["gains"][s, i, x, a]), deviation_gain_se=float(mc["gains_se"][s, i, x, a]),
            deviation_gain_at=dict(belief=_belief_list(game, mc_start[s]), agent=int(i), type=int(x), action=int(a)),
            deviation_gain_beyond_3se=float(max(0.0, dev.max())),
            max_se_per_round=float(per_round * mc["values_se"].max()))
    out["reward_scale"] = float(np.max(np.abs(game.rewards))) or 1.0
    out["success"], out["message"] = _judge(out, tol, out["reward_scale"])
    out["elapsed_s"] = time.perf_counter() - t0
    return out


def _judge(report: dict, tol: dict, scale: float) -> tuple[bool, str]:
    """Whether the tolerances hold, and one plain sentence that says so."""
    q = report["gain_per_round"]
    eps = report["epsilon_per_round"]
    checks = [eps <= tol["max_gain"] * scale, q["p99"] <= tol["p99_gain"] * scale]
    ve = report["value_error_per_round"]
    if ve is not None:
        checks.append(ve <= tol["value_error"] * scale)
    spread = (f"median {q['median']:.2g}, 99th percentile {q['p99']:.2g}, "
              f"{100 * q['share_above_1e_3']:.0f} % of {report['n_beliefs']} check beliefs above 1e-3")
    if ve is None:
        mc_text = "Monte-Carlo check not run"
    elif ve <= tol["value_error"] * scale:
        mc_text = (f"Monte-Carlo returns of the strategy agree with the reported values "
                   f"(error beyond 3 standard errors {ve:.2g} per round)")
    else:
        mc_text = (f"Monte-Carlo returns of the strategy differ from the reported values by "
                   f"{ve:.2g} per round beyond 3 standard errors")
    if all(checks):
        return True, (f"an ε-equilibrium of the game with ε = {eps:.2g} per round at the check beliefs "
                      f"({spread}); {mc_text}")
    return False, (f"not an equilibrium of the game within tolerance: a one-shot deviation gains up to "
                   f"{eps:.2g} per round at the check beliefs ({spread}), while the grid's own "
                   f"residual is {report['grid_epsilon_per_round']:.2g}; {mc_text}")
